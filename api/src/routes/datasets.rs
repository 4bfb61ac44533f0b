//! Datasets: the list, one dataset's versions, and import of a folder under the data
//! directory (`tally_store::import`) or of a Datadog dataset version
//! (`crate::datadog_datasets`): 201 for a new version, 200 when identical content
//! is already a version, 422 with every problem of the records.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tally_core::contract::DatasetName;
use tally_core::contract::views::{
    DatasetBrief, DatasetList, DatasetVersionView, DatasetVersions, ImportOutcomeView,
};
use tally_store::{ImportOutcome, import as import_folder};

use crate::datadog_datasets;
use crate::error::ApiError;
use crate::extract::{Body, Params};
use crate::state::AppState;

/// `GET /api/v1/datasets`: every dataset with its latest version, by name.
pub async fn list(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<DatasetList>, ApiError> {
    params.finish()?;
    let connected = state.backend.get().await?;
    let mut datasets = Vec::new();
    for name in connected.store.dataset_names().await? {
        let versions = connected.store.dataset_versions(&name).await?;
        if let Some(latest) = versions.last() {
            datasets.push(DatasetBrief {
                name: name.as_str().to_string(),
                latest_version: latest.version,
                versions: versions.len(),
                size: latest.size,
                content_hash: latest.content_hash.as_str().to_string(),
                created_at: latest.created_at,
            });
        }
    }
    Ok(Json(DatasetList { datasets }))
}

/// `GET /api/v1/datasets/{name}`.
pub async fn versions(
    State(state): State<AppState>,
    Path(name): Path<String>,
    params: Params,
) -> Result<Json<DatasetVersions>, ApiError> {
    params.finish()?;
    let unknown = || {
        let shown: String = name.chars().take(100).collect();
        ApiError::not_found(format!("no dataset named {shown:?}"))
    };
    let parsed = DatasetName::parse(&name).map_err(|_| unknown())?;
    let connected = state.backend.get().await?;
    let versions = connected.store.dataset_versions(&parsed).await?;
    if versions.is_empty() {
        return Err(unknown());
    }
    Ok(Json(DatasetVersions {
        name: parsed.as_str().to_string(),
        versions: versions
            .into_iter()
            .map(|v| DatasetVersionView {
                name: v.name.as_str().to_string(),
                version: v.version,
                size: v.size,
                content_hash: v.content_hash.as_str().to_string(),
                created_at: v.created_at,
                source: v.source,
                datadog: v.datadog,
            })
            .collect(),
    }))
}

/// `POST /api/v1/datasets/import` with `{"path": "<folder under TALLY_DATA_DIR>"}`
/// or `{"datadog": {"project_name", "dataset_name", "version"?}}`.
pub async fn import(
    State(state): State<AppState>,
    params: Params,
    Body(body): Body,
) -> Result<Response, ApiError> {
    params.finish()?;
    let mut object = crate::extract::json_object(&body)?;
    let outcome = match object.remove("datadog") {
        Some(datadog) => {
            let spec = datadog_datasets::pull_spec(datadog, &object)?;
            datadog_datasets::pull(&state, &spec).await?
        }
        None => {
            let path = import_path(object)?;
            let connected = state.backend.get().await?;
            import_folder(&connected.store, &state.data_dir, &path).await?
        }
    };
    Ok(imported(outcome, "imported"))
}

/// The answer to an import or an upload (`how`, for the log): 201 for a new
/// version, 200 for the existing version with identical content.
pub(super) fn imported(outcome: ImportOutcome, how: &str) -> Response {
    tracing::info!(
        dataset = %outcome.name,
        version = outcome.version,
        created = outcome.created,
        "dataset {how}"
    );
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = ImportOutcomeView {
        name: outcome.name.as_str().to_string(),
        version: outcome.version,
        size: outcome.size,
        content_hash: outcome.content_hash.as_str().to_string(),
        datadog: outcome.datadog,
    };
    (status, Json(body)).into_response()
}

/// The body `{"path": "…"}`: a JSON object with one string field.
fn import_path(mut object: serde_json::Map<String, Value>) -> Result<String, ApiError> {
    let path = object.remove("path");
    let mut errors = Vec::new();
    let path = match path {
        Some(Value::String(path)) => Some(path),
        Some(_) => {
            errors.push(("path".to_string(), "must be a string".to_string()));
            None
        }
        None => {
            errors.push((
                "path".to_string(),
                "is required: a folder under the data directory (or give datadog instead)"
                    .to_string(),
            ));
            None
        }
    };
    for unknown in object.keys() {
        let shown: String = unknown.chars().take(80).collect();
        errors.push((shown, "unknown field; expected only path".to_string()));
    }
    match path {
        Some(path) if errors.is_empty() => Ok(path),
        _ => Err(ApiError::Invalid(
            errors
                .into_iter()
                .map(|(field, message)| tally_core::contract::FieldError { field, message })
                .collect(),
        )),
    }
}
