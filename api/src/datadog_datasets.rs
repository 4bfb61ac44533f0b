//! Datasets in from Datadog and out to it, with the server's Datadog keys
//! (`DD_API_KEY`, `DD_APP_KEY`, `DD_SITE`, `DD_LLMOBS_OVERRIDE_ORIGIN`).
//!
//! In: `{"datadog": {"project_name", "dataset_name", "version"?}}` on the import
//! route reads the version (the current one when `version` is left out) page by
//! page, validates its records like a `records.jsonl` (image paths relative to the
//! data directory's folder named like the dataset) and stores them as a tally
//! version that remembers where it came from. Out: a tally version becomes a new
//! version of the Datadog dataset of the same name.

use serde_json::{Map, Value};
use tally_core::contract::views::{DatadogOrigin, DatadogPushView};
use tally_core::contract::{DEFAULT_PROJECT_NAME, DatasetName, FieldError, Label};
use tally_datadog::{DatadogClient, DatadogError, UiLinks, push_dataset, to_tally_line};
use tally_store::{ImportError, ImportOutcome, import_lines, records_relative_to_folder};

use crate::error::{ApiError, Sent};
use crate::labelsets::prefill::refuse_prefill_name;
use crate::state::AppState;

/// Where problems of records read from Datadog are located (`datadog:3` is the
/// third record read).
const RECORDS_SOURCE: &str = "datadog";

/// Most records one pull reads from Datadog: a pull holds the records in memory
/// until they are validated and stored (a folder import streams, and may hold up to
/// `MAX_RECORDS`), so it keeps the bound a dataset had before imports streamed.
const MAX_DATADOG_RECORDS: usize = 100_000;

/// What to read from Datadog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullSpec {
    pub project_name: Label,
    pub dataset_name: DatasetName,
    /// Datadog's version number; the dataset's current version when `None`.
    pub version: Option<i64>,
}

/// The import body's `datadog` object (`others`: the body's other fields, none
/// allowed), every bad field reported at once.
pub fn pull_spec(value: Value, others: &Map<String, Value>) -> Result<PullSpec, ApiError> {
    let mut errors = Vec::new();
    for other in others.keys() {
        let shown: String = other.chars().take(80).collect();
        add(
            &mut errors,
            &shown,
            "unknown field; an import from Datadog takes only datadog",
        );
    }
    let Value::Object(mut spec) = value else {
        add(
            &mut errors,
            "datadog",
            "must be an object: {\"project_name\", \"dataset_name\", \"version\"?}",
        );
        return Err(ApiError::Invalid(errors));
    };
    let project_name = text(&mut spec, "project_name", &mut errors).and_then(|name| {
        Label::parse(&name)
            .map_err(|e| add(&mut errors, "datadog.project_name", &e.to_string()))
            .ok()
    });
    let dataset_name = text(&mut spec, "dataset_name", &mut errors).and_then(|name| {
        DatasetName::parse(&name)
            .map_err(|e| {
                let message = format!("{e} (the tally dataset takes the Datadog dataset's name)");
                add(&mut errors, "datadog.dataset_name", &message);
            })
            .ok()
            .and_then(
                |name| match refuse_prefill_name(&name, "datadog.dataset_name") {
                    Ok(()) => Some(name),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
            )
    });
    let version = match spec.remove("version") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some_and(|v| v >= 0) => n.as_i64(),
        Some(_) => {
            add(
                &mut errors,
                "datadog.version",
                "must be a whole number ≥ 0 (Datadog numbers versions from 0)",
            );
            None
        }
    };
    for unknown in spec.keys() {
        let shown: String = unknown.chars().take(80).collect();
        add(
            &mut errors,
            &format!("datadog.{shown}"),
            "unknown field; expected project_name, dataset_name, version",
        );
    }
    match (project_name, dataset_name) {
        (Some(project_name), Some(dataset_name)) if errors.is_empty() => Ok(PullSpec {
            project_name,
            dataset_name,
            version,
        }),
        _ => Err(ApiError::Invalid(errors)),
    }
}

fn add(errors: &mut Vec<FieldError>, field: &str, message: &str) {
    errors.push(FieldError {
        field: field.to_string(),
        message: message.to_string(),
    });
}

/// The required string `datadog.{name}`, taken out of `spec`.
fn text(spec: &mut Map<String, Value>, name: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let field = format!("datadog.{name}");
    match spec.remove(name) {
        Some(Value::String(text)) => Some(text),
        Some(_) => {
            add(errors, &field, "must be a string");
            None
        }
        None => {
            add(errors, &field, "is required");
            None
        }
    }
}

/// Reads the dataset version from Datadog and imports it.
pub async fn pull(state: &AppState, spec: &PullSpec) -> Result<ImportOutcome, ApiError> {
    let (client, links) = client(state, "datadog")?;
    let project_id = client
        .project(spec.project_name.as_str())
        .await
        .map_err(upstream)?;
    let dataset = client
        .find_dataset(&project_id, spec.dataset_name.as_str())
        .await
        .map_err(upstream)?
        .ok_or_else(|| ApiError::NotFound {
            message: format!(
                "datadog.dataset_name: Datadog has no dataset {:?} in project {:?}",
                spec.dataset_name.as_str(),
                spec.project_name.as_str()
            ),
            field: Some("datadog.dataset_name"),
        })?;
    let version = spec.version.unwrap_or(dataset.current_version);
    if version > dataset.current_version {
        return Err(ApiError::NotFound {
            message: format!(
                "datadog.version: the dataset's newest version is {}",
                dataset.current_version
            ),
            field: Some("datadog.version"),
        });
    }
    let mut lines = Vec::new();
    let mut cursor = None;
    loop {
        let page = client
            .records_page(&project_id, &dataset.id, version, cursor.as_deref())
            .await
            .map_err(upstream)?;
        lines.extend(page.records.iter().map(to_tally_line));
        if lines.len() > MAX_DATADOG_RECORDS {
            return Err(ApiError::invalid(
                "datadog.dataset_name",
                format!(
                    "the Datadog dataset holds more than {MAX_DATADOG_RECORDS} records, the \
                     most one pull reads; export it as a folder and import that"
                ),
            ));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let origin = DatadogOrigin {
        project_name: spec.project_name.as_str().to_string(),
        project_id,
        dataset_name: spec.dataset_name.as_str().to_string(),
        url: links.dataset(&dataset.id),
        dataset_id: dataset.id,
        version,
    };
    let connected = state.backend.get().await?;
    import_lines(
        &connected.store,
        &state.data_dir,
        &spec.dataset_name,
        RECORDS_SOURCE,
        lines,
        Some(&origin),
    )
    .await
    .map_err(|error| match error {
        // The refusal names the Datadog dataset read, not a folder.
        ImportError::Invalid(problems) => ApiError::InvalidDataset(
            Sent::DatadogDataset(spec.dataset_name.as_str().to_string()),
            problems,
        ),
        error => error.into(),
    })
}

/// Pushes version `version` (the latest when `None`) of the tally dataset `name`
/// into the Datadog dataset of the same name in `project_name`.
pub async fn push(
    state: &AppState,
    name: &DatasetName,
    version: Option<u64>,
    project_name: Option<Label>,
) -> Result<DatadogPushView, ApiError> {
    let connected = state.backend.get().await?;
    let store = &connected.store;
    let found = match version {
        Some(version) => store.dataset_version(name, version).await?,
        None => store.latest_dataset_version(name).await?,
    };
    let Some(found) = found else {
        return Err(ApiError::not_found(match version {
            Some(version) => format!("dataset {name} has no version {version}"),
            None => format!("no dataset named {name}"),
        }));
    };
    let records = store
        .dataset_records(name, found.version, None)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("dataset {name} has no version {version:?}")))?;
    let records = records_relative_to_folder(records, &found.source);
    let (client, links) = client(state, "project_name")?;
    let project_name = project_name.map_or_else(
        || DEFAULT_PROJECT_NAME.to_string(),
        |p| p.as_str().to_string(),
    );
    let project_id = client.project(&project_name).await.map_err(upstream)?;
    let description = format!("tally dataset {name} version {}", found.version);
    let dataset = push_dataset(
        &client,
        &project_id,
        name.as_str(),
        &description,
        found.content_hash.as_str(),
        &records,
    )
    .await
    .map_err(upstream)?;
    Ok(DatadogPushView {
        name: name.as_str().to_string(),
        version: found.version,
        datadog: DatadogOrigin {
            project_name,
            project_id,
            dataset_name: name.as_str().to_string(),
            url: links.dataset(&dataset.id),
            dataset_id: dataset.id,
            version: dataset.current_version,
        },
    })
}

/// A client with the server's keys; `field` is blamed when the server has none.
fn client(state: &AppState, field: &str) -> Result<(DatadogClient, UiLinks), ApiError> {
    let settings = &state.datadog;
    let Some(credentials) = settings.credentials.clone() else {
        return Err(ApiError::invalid(
            field,
            "the server has no Datadog keys (DD_API_KEY and DD_APP_KEY are not set)",
        ));
    };
    let client = DatadogClient::new(settings.origin(settings.site), credentials)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((client, UiLinks::of_site(settings.site)))
}

/// A Datadog failure as the API's answer: 502, with Datadog's own words.
fn upstream(error: DatadogError) -> ApiError {
    ApiError::BadGateway(error.to_string())
}
