//! `/_emulator/*`: what tests read and change at run time. Never subject to faults;
//! behind `Authorization: Bearer <EMULATOR_ADMIN_TOKEN>` when that is set.
//!
//! - `GET /_emulator/stats`: request and status counts, faults injected and
//!   pending, and how much is stored.
//! - `GET /_emulator/requests?limit=N`: the last requests (method, path, status,
//!   fault, body), oldest first.
//! - `GET /_emulator/spans[?experiment_id=E]`: every span received, as sent.
//! - `GET /_emulator/experiment-metrics[?experiment_id=E]`: metrics posted to
//!   experiments' events endpoints.
//! - `GET /_emulator/eval-metrics`: metrics accepted by the evaluation intake.
//! - `GET /_emulator/faults`, `PATCH /_emulator/faults`: the fault settings; a patch
//!   sets the fields it names.
//! - `POST /_emulator/faults/next`: `{"faults": [{"fault": "server_error" |
//!   "rate_limit", …}]}` queues exact faults for the next matching requests.
//! - `POST /_emulator/reset`: forgets everything stored and logged; faults go back
//!   to the starting settings.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::faults::Fault;
use crate::query::Query;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/requests", get(requests))
        .route("/_emulator/spans", get(spans))
        .route("/_emulator/experiment-metrics", get(experiment_metrics))
        .route("/_emulator/eval-metrics", get(eval_metrics))
        .route("/_emulator/faults", get(get_faults).patch(patch_faults))
        .route("/_emulator/faults/next", post(push_faults))
        .route("/_emulator/reset", post(reset))
}

async fn stats(State(state): State<Arc<AppState>>) -> Json<Value> {
    let mut stats = state.log.counters();
    stats["faults_injected"] = json!(state.faults.injected());
    stats["faults_pending"] = json!(state.faults.pending());
    stats["stored"] = state.store.lock().counts();
    Json(stats)
}

async fn requests(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = Query::parse(raw.as_deref(), &["limit"])?;
    let limit = query.number::<usize>("limit")?.unwrap_or(usize::MAX);
    Ok(Json(json!({"requests": state.log.last(limit)})).into_response())
}

fn experiment_filter(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let query = Query::parse(raw, &["experiment_id"])?;
    Ok(query.single("experiment_id")?.map(str::to_string))
}

async fn spans(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> ApiResult {
    let experiment = experiment_filter(raw.as_deref())?;
    let store = state.store.lock();
    let spans: Vec<_> = store
        .events
        .spans
        .iter()
        .filter(|s| experiment.is_none() || s.experiment_id == experiment)
        .collect();
    Ok(Json(json!({ "spans": spans })).into_response())
}

async fn experiment_metrics(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let experiment = experiment_filter(raw.as_deref())?;
    let store = state.store.lock();
    let metrics: Vec<_> = store
        .events
        .experiment_metrics
        .iter()
        .filter(|m| experiment.as_ref().is_none_or(|e| *e == m.experiment_id))
        .collect();
    Ok(Json(json!({ "metrics": metrics })).into_response())
}

async fn eval_metrics(State(state): State<Arc<AppState>>) -> Json<Value> {
    let store = state.store.lock();
    Json(json!({ "metrics": store.events.eval_metrics }))
}

async fn get_faults(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({"settings": state.faults.settings(), "pending": state.faults.pending()}))
}

/// Sets the named fields of the fault settings; the rest stay as they are.
async fn patch_faults(State(state): State<Arc<AppState>>, Json(patch): Json<Value>) -> ApiResult {
    let Value::Object(patch) = patch else {
        return Err(ApiError::bad_request("the patch must be a JSON object"));
    };
    let mut merged = serde_json::to_value(state.faults.settings())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    for (key, value) in patch {
        merged[key] = value;
    }
    let settings: crate::config::FaultSettings = serde_json::from_value(merged)
        .map_err(|e| ApiError::bad_request(format!("faults: {e}")))?;
    settings
        .validate()
        .map_err(|e| ApiError::bad_request(format!("faults: {e}")))?;
    state.faults.set(settings.clone());
    Ok(Json(json!({ "settings": settings })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultScript {
    faults: Vec<Fault>,
}

async fn push_faults(
    State(state): State<Arc<AppState>>,
    Json(script): Json<FaultScript>,
) -> ApiResult {
    for fault in &script.faults {
        fault.validate().map_err(ApiError::bad_request)?;
    }
    let pending = state.faults.push(script.faults);
    Ok(Json(json!({ "pending": pending })).into_response())
}

async fn reset(State(state): State<Arc<AppState>>) -> Response {
    let mut store = state.store.lock();
    *store = Default::default();
    drop(store);
    state.log.clear();
    state.faults.reset();
    (StatusCode::OK, Json(json!({"reset": true}))).into_response()
}
