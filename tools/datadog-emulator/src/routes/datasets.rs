//! Datasets: create (or get by name), list with `filter[name]`/`filter[id]`, soft
//! delete (ddtrace's project-less form and the public API's), and versions.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::jsonapi::{self, Object, parse_document, resource};
use crate::paging::Page;
use crate::query::Query;
use crate::routes::Prefix;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateDataset {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Option<Object>,
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(prefix): Extension<Prefix>,
    Path(project_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc = parse_document::<CreateDataset>(
        &headers,
        &body,
        state.config.api_max_bytes,
        &["datasets"],
    )?;
    let attributes = doc.attributes;
    let mut store = state.store.lock();
    let (dataset, created) = store.dataset_create_or_get(
        &project_id,
        &attributes.name,
        attributes.description,
        attributes.metadata,
    )?;
    Ok(jsonapi::with_status(
        prefix.create_status(created),
        dataset.to_resource(),
    ))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = Query::parse(
        raw.as_deref(),
        &["filter[name]", "filter[id]", "page[cursor]", "page[limit]"],
    )?;
    let page = Page::from_query(&query, state.config.page_size)?;
    let name = query.single("filter[name]")?;
    let id = query.single("filter[id]")?;
    let store = state.store.lock();
    store.project(&project_id)?;
    let found: Vec<Value> = store
        .datasets
        .iter()
        .filter(|d| {
            d.project_id == project_id
                && d.deleted_at.is_none()
                && name.is_none_or(|n| d.name == n)
                && id.is_none_or(|i| d.id == i)
        })
        .map(|d| d.to_resource())
        .collect();
    let (data, after) = page.slice(&found);
    Ok(jsonapi::page(data, after))
}

/// ddtrace's `POST /api/unstable/llm-obs/v1/datasets/delete`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteDatasets {
    /// `soft` (ddtrace) or `hard`; both mark the datasets deleted here.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    dataset_ids: Vec<String>,
}

/// 200 with the deleted datasets (what ddtrace's call gets).
pub async fn delete(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let deleted = delete_datasets(&state, None, &headers, &body)?;
    Ok(jsonapi::ok(json!(deleted)))
}

/// The public API's `POST …/{project}/datasets/delete`: 204.
pub async fn delete_in_project(
    State(state): State<Arc<AppState>>,
    Path(project_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    delete_datasets(&state, Some(&project_id), &headers, &body)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn delete_datasets(
    state: &AppState,
    project_id: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<Value>, ApiError> {
    let doc =
        parse_document::<DeleteDatasets>(headers, body, state.config.api_max_bytes, &["datasets"])?;
    let DeleteDatasets { kind, dataset_ids } = doc.attributes;
    if let Some(kind) = kind.filter(|k| !matches!(k.as_str(), "soft" | "hard")) {
        return Err(ApiError::bad_request(format!(
            "data.attributes.type: must be \"soft\" or \"hard\", got \"{kind}\""
        )));
    }
    if dataset_ids.is_empty() {
        return Err(ApiError::bad_request(
            "data.attributes.dataset_ids: must name at least one dataset",
        ));
    }
    state.store.lock().datasets_delete(project_id, &dataset_ids)
}

pub async fn versions(
    State(state): State<Arc<AppState>>,
    Path((project_id, dataset_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    Query::parse(raw.as_deref(), &[])?;
    let store = state.store.lock();
    let dataset = store.dataset(Some(&project_id), &dataset_id)?;
    let data: Vec<Value> = dataset
        .versions
        .iter()
        .map(|v| {
            resource(
                "dataset_version",
                &format!("{}:{}", dataset.id, v.number),
                json!({
                    "dataset_id": dataset.id,
                    "version_number": v.number,
                    "record_count": v.records.len(),
                    "created_at": clock::rfc3339(&v.created_at),
                    "last_used": null,
                }),
            )
        })
        .collect();
    Ok(jsonapi::ok(json!(data)))
}
