//! The batch endpoints of the Developer API (`v1beta` only, `x-goog-api-key`):
//!
//! - `POST /v1beta/models/{model}:batchGenerateContent` (routed here by `generate`)
//! - `GET /v1beta/batches/{id}`, `GET /v1beta/batches?pageSize=&pageToken=`
//! - `POST /v1beta/batches/{id}:cancel`, `DELETE /v1beta/batches/{id}`
//!
//! `check_access` and `page_request` serve the Files API routes too.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::create;
use super::operation::{Output, operation, state_name};
use crate::generate::{DEVELOPER_REQUEST_LIMIT, authenticate};
use crate::google_error::ApiError;
use crate::state::AppState;
use crate::validate::{Api, check_batch_shape, parse_json};

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;

pub type Params = HashMap<String, String>;

pub fn check_access(
    state: &AppState,
    version: &str,
    query: &Params,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if version != "v1beta" {
        return Err(ApiError::method_not_found());
    }
    authenticate(state, Api::Developer, query, headers, &state.settings())
}

/// `models/{model}:batchGenerateContent`.
pub async fn create(
    state: &Arc<AppState>,
    version: &str,
    model: &str,
    query: &Params,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    if let Err(error) = check_access(state, version, query, headers) {
        return error.into_response();
    }
    if body.len() > DEVELOPER_REQUEST_LIMIT {
        return ApiError::invalid_argument(format!(
            "Request payload size exceeds the limit: {DEVELOPER_REQUEST_LIMIT} bytes."
        ))
        .into_response();
    }
    let value = match parse_json(body) {
        Ok(value) => value,
        Err(error) => return error.into_response(),
    };
    let settings = state.settings();
    let profile = match settings.models.get(model) {
        Some(profile) if !settings.retired_models.iter().any(|m| m == model) => profile.clone(),
        _ => return ApiError::model_not_found(model, version).into_response(),
    };
    if let Err(error) = check_batch_shape(&value) {
        return error.into_response();
    }
    let plan = match create::plan(&value, model, &state.batches.files) {
        Ok(plan) => plan,
        Err(error) => return error.into_response(),
    };
    let index = state.index().await;
    let batch = create::answer(&plan, model, &profile, &settings, &index);
    let batch = state.batches.insert(batch, state.noise().next_u64());
    tracing::debug!(batch = %batch.id, requests = batch.items.len(), "batch created");
    let now = Utc::now();
    let batch = state
        .batches
        .get_settled(&batch.id, now, state.noise().next_u64())
        .unwrap_or(batch);
    axum::Json(operation(&batch, now, Output::Included)).into_response()
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path((version, id)): Path<(String, String)>,
    Query(query): Query<Params>,
    headers: HeaderMap,
) -> Response {
    if let Err(error) = check_access(&state, &version, &query, &headers) {
        return error.into_response();
    }
    let now = Utc::now();
    match state
        .batches
        .get_settled(&id, now, state.noise().next_u64())
    {
        Some(batch) => axum::Json(operation(&batch, now, Output::Included)).into_response(),
        None => ApiError::not_found("Requested entity was not found.").into_response(),
    }
}

/// `batches/{id}:cancel` (the only POST on a batch).
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    Path((version, action)): Path<(String, String)>,
    Query(query): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let Some(id) = action.strip_suffix(":cancel") else {
        return ApiError::method_not_found().into_response();
    };
    if let Err(error) = check_access(&state, &version, &query, &headers) {
        return error.into_response();
    }
    match state.batches.cancel(id, Utc::now()) {
        Some(Ok(())) => axum::Json(json!({})).into_response(),
        Some(Err(final_state)) => ApiError::failed_precondition(format!(
            "Batch batches/{id} is in state {} and can no longer be cancelled.",
            state_name(final_state, state.settings().batch.state_names)
        ))
        .into_response(),
        None => ApiError::not_found("Requested entity was not found.").into_response(),
    }
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path((version, id)): Path<(String, String)>,
    Query(query): Query<Params>,
    headers: HeaderMap,
) -> Response {
    if let Err(error) = check_access(&state, &version, &query, &headers) {
        return error.into_response();
    }
    if state.batches.delete(&id) {
        axum::Json(json!({})).into_response()
    } else {
        ApiError::not_found("Requested entity was not found.").into_response()
    }
}

/// Newest first, `pageSize` at a time (default 50, at most 1000); `nextPageToken`
/// continues. Listed batches leave out their answers.
pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(version): Path<String>,
    Query(query): Query<Params>,
    headers: HeaderMap,
) -> Response {
    if let Err(error) = check_access(&state, &version, &query, &headers) {
        return error.into_response();
    }
    let (start, size) = match page_request(&query) {
        Ok(page) => page,
        Err(error) => return error.into_response(),
    };
    let now = Utc::now();
    let batches = state.batches.newest_first();
    let body = page_body(&batches, (start, size), "operations", |b| {
        operation(b, now, Output::Omitted)
    });
    axum::Json(body).into_response()
}

/// One page of a listing as Google answers it: the page's items under `field` (left
/// out when there are none) and `nextPageToken` while more follow.
pub fn page_body<T>(
    items: &[T],
    (start, size): (usize, usize),
    field: &str,
    render: impl Fn(&T) -> Value,
) -> Value {
    let page: Vec<Value> = items.iter().skip(start).take(size).map(render).collect();
    let mut body = json!({});
    if !page.is_empty() {
        body[field] = Value::Array(page);
    }
    if start + size < items.len() {
        body["nextPageToken"] = json!((start + size).to_string());
    }
    body
}

/// `pageToken` and `pageSize` (default 50, at most 1000) as (first index, size).
pub fn page_request(query: &Params) -> Result<(usize, usize), ApiError> {
    let size = match query.get("pageSize").map(|s| s.parse::<usize>()) {
        None | Some(Ok(0)) => DEFAULT_PAGE_SIZE,
        Some(Ok(size)) => size.min(MAX_PAGE_SIZE),
        Some(Err(_)) => {
            return Err(ApiError::invalid_argument(format!(
                "Invalid value at 'page_size' (TYPE_INT32), \"{}\"",
                query["pageSize"]
            )));
        }
    };
    let start = match query.get("pageToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => match token.parse::<usize>() {
            Ok(start) => start,
            Err(_) => return Err(ApiError::invalid_argument("Invalid page token.")),
        },
    };
    Ok((start, size))
}
