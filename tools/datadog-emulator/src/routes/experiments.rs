//! Experiments: create a run, update its status, list or get them.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::jsonapi::{self, Object, parse_document};
use crate::paging::Page;
use crate::query::Query;
use crate::routes::Prefix;
use crate::state::AppState;
use crate::store::experiments::{ExperimentFilter, ExperimentUpdate, NewExperiment, Status};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateExperiment {
    name: String,
    project_id: String,
    dataset_id: String,
    #[serde(default)]
    dataset_version: Option<i64>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    config: Option<Object>,
    #[serde(default)]
    metadata: Option<Object>,
    #[serde(default)]
    ensure_unique: Option<bool>,
    #[serde(default)]
    run_count: Option<i64>,
    #[serde(default)]
    parent_experiment_id: Option<String>,
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(prefix): Extension<Prefix>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc = parse_document::<CreateExperiment>(
        &headers,
        &body,
        state.config.api_max_bytes,
        &["experiments"],
    )?;
    let a = doc.attributes;
    if a.run_count.is_some_and(|n| n < 1) {
        return Err(ApiError::bad_request(
            "data.attributes.run_count: must be at least 1",
        ));
    }
    if let Some(tags) = a.metadata.as_ref().and_then(|m| m.get("tags")) {
        let all_strings = tags
            .as_array()
            .is_some_and(|t| t.iter().all(Value::is_string));
        if !all_strings {
            return Err(ApiError::bad_request(
                "data.attributes.metadata.tags: must be a list of strings",
            ));
        }
    }
    let mut store = state.store.lock();
    let experiment = store.experiment_create(NewExperiment {
        name: a.name,
        project_id: a.project_id,
        dataset_id: a.dataset_id,
        dataset_version: a.dataset_version,
        description: a.description,
        config: a.config,
        metadata: a.metadata,
        ensure_unique: a.ensure_unique.unwrap_or(false),
        run_count: a.run_count,
        parent_experiment_id: a.parent_experiment_id,
    })?;
    let dataset_id = experiment.dataset_id.clone();
    let experiment = experiment.clone();
    Ok(jsonapi::with_status(
        prefix.create_status(true),
        experiment.to_resource(store.dataset_name(&dataset_id)),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateExperiment {
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Option<Object>,
    #[serde(default)]
    dataset_id: Option<String>,
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(experiment_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc = parse_document::<UpdateExperiment>(
        &headers,
        &body,
        state.config.api_max_bytes,
        &["experiments"],
    )?;
    let a = doc.attributes;
    let mut store = state.store.lock();
    let experiment = store
        .experiment_update(
            &experiment_id,
            ExperimentUpdate {
                status: a.status,
                error: a.error,
                name: a.name,
                description: a.description,
                metadata: a.metadata,
                dataset_id: a.dataset_id,
            },
        )?
        .clone();
    Ok(jsonapi::ok(
        experiment.to_resource(store.dataset_name(&experiment.dataset_id)),
    ))
}

const LIST_PARAMETERS: &[&str] = &[
    "filter[id]",
    "filter[project_id]",
    "filter[dataset_id]",
    "filter[experiment]",
    "filter[name]",
    "filter[metadata]",
    "filter[parent_experiment_id]",
    "filter[is_deleted]",
    "include[user_data]",
    "include[dataset_names]",
    "page[limit]",
    "page[cursor]",
];

/// `GET …/experiments`: newest first, paged; `filter[id]` is how ddtrace gets one.
pub async fn list(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = Query::parse(raw.as_deref(), LIST_PARAMETERS)?;
    let page = Page::from_query(&query, state.config.page_size)?;
    let metadata = match query.single("filter[metadata]")? {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<Value>(text)
                .map_err(|e| ApiError::bad_request(format!("filter[metadata]: not JSON: {e}")))?,
        ),
    };
    let owned = |name: &str| -> Result<Option<String>, ApiError> {
        Ok(query.single(name)?.map(str::to_string))
    };
    let filter = ExperimentFilter {
        ids: query.all("filter[id]").map(str::to_string).collect(),
        project_id: owned("filter[project_id]")?,
        dataset_id: owned("filter[dataset_id]")?,
        experiment: owned("filter[experiment]")?,
        name: owned("filter[name]")?,
        metadata,
        parent_experiment_ids: query
            .all("filter[parent_experiment_id]")
            .map(str::to_string)
            .collect(),
    };
    let store = state.store.lock();
    // Deleted experiments are not kept, so `filter[is_deleted]=true` finds none.
    let deleted_only = query.single("filter[is_deleted]")? == Some("true");
    let found: Vec<Value> = if deleted_only {
        Vec::new()
    } else {
        store
            .experiments_matching(&filter)
            .into_iter()
            .map(|e| e.to_resource(store.dataset_name(&e.dataset_id)))
            .collect()
    };
    let (data, after) = page.slice(&found);
    Ok(jsonapi::page(data, after))
}
