//! `/_emulator/*`: what tests and benchmarks read and change at run time.
//!
//! - `GET  /_emulator/stats`: requests, statuses, 429s and answer times (from
//!   arrival) per model; in-flight and maximum concurrent requests; tokens issued;
//!   the dataset index; the Files API's upload chunks and queries accepted, list
//!   pages served and files deleted (`files`).
//! - `GET  /_emulator/requests?limit=N`: the last N request bodies (oldest first).
//! - `GET  /_emulator/settings`, `PATCH /_emulator/settings`: the settings as JSON; a
//!   patch is merged in (objects field by field, `latency` replaced whole). The API
//!   keys it accepts are write-only: shown as `api_key_count`, never listed.
//! - `POST /_emulator/faults`: `{"model": "…" (optional), "faults": [{"fault": "…"}]}`
//!   queues exact faults for the next requests (`"model": "upload"`: for the next
//!   upload chunks).
//! - `POST /_emulator/reset`: clears counters, the request log, quotas, queued faults
//!   and batches.
//! - `POST /_emulator/tokens/revoke`: every issued Vertex token becomes invalid.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::EmulatorConfig;
use crate::faults::Fault;
use crate::google_error::ApiError;
use crate::state::AppState;

pub async fn stats(State(state): State<Arc<AppState>>) -> Json<Value> {
    let mut stats = state.stats.snapshot();
    stats["tokens_issued"] = json!(state.tokens.issued());
    stats["faults_pending"] = json!(state.script.pending());
    stats["files"] = state.batches.files.counts();
    stats["index"] = match state.index.borrow().as_ref() {
        Some(index) => {
            json!({"ready": true, "records": index.record_count(), "images": index.image_count(),
                              "warnings": index.warnings.len()})
        }
        None => json!({"ready": false}),
    };
    Json(stats)
}

pub async fn requests(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => usize::MAX,
        Some(Ok(limit)) => limit,
        Some(Err(_)) => {
            return ApiError::invalid_argument("limit: expected a whole number").into_response();
        }
    };
    Json(json!({"requests": state.log.last(limit)})).into_response()
}

pub async fn get_settings(State(state): State<Arc<AppState>>) -> Response {
    shown(&state.settings())
}

/// The settings as answered: the API keys counted, never listed.
fn shown(settings: &EmulatorConfig) -> Response {
    let mut value = match serde_json::to_value(settings) {
        Ok(value) => value,
        Err(e) => return ApiError::internal_message(e.to_string()).into_response(),
    };
    if let Some(object) = value.as_object_mut() {
        object.remove(API_KEYS);
        object.insert(API_KEY_COUNT.to_string(), json!(settings.api_keys.len()));
    }
    Json(value).into_response()
}

const API_KEYS: &str = "api_keys";
const API_KEY_COUNT: &str = "api_key_count";

pub async fn patch_settings(
    State(state): State<Arc<AppState>>,
    Json(mut patch): Json<Value>,
) -> Response {
    // What `shown` adds is read-only: a client may send back what it read.
    if let Some(object) = patch.as_object_mut() {
        object.remove(API_KEY_COUNT);
    }
    let mut settings = state.settings.write().unwrap_or_else(|p| p.into_inner());
    let mut merged = match serde_json::to_value(&*settings) {
        Ok(value) => value,
        Err(e) => return ApiError::internal_message(e.to_string()).into_response(),
    };
    merge(&mut merged, patch);
    let updated: EmulatorConfig = match serde_json::from_value(merged) {
        Ok(updated) => updated,
        Err(e) => return ApiError::invalid_argument(format!("settings: {e}")).into_response(),
    };
    if let Err(message) = updated.validate() {
        return ApiError::invalid_argument(format!("settings: {message}")).into_response();
    }
    let answer = shown(&updated);
    *settings = updated;
    answer
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    #[serde(default)]
    model: Option<String>,
    faults: Vec<Fault>,
}

pub async fn push_faults(
    State(state): State<Arc<AppState>>,
    Json(request): Json<FaultRequest>,
) -> Json<Value> {
    state.script.push(request.model, request.faults);
    Json(json!({"pending": state.script.pending()}))
}

pub async fn reset(State(state): State<Arc<AppState>>) -> Json<Value> {
    state.stats.reset();
    state.log.clear();
    state.quotas.clear();
    state.script.clear();
    state.batches.clear();
    Json(json!({"reset": true}))
}

pub async fn revoke_tokens(State(state): State<Arc<AppState>>) -> Json<Value> {
    state.tokens.revoke_all();
    Json(json!({"revoked": true}))
}

/// Objects merge key by key; anything else (and a whole `latency`) is replaced.
fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                match base.get_mut(&key) {
                    Some(existing) if key != "latency" => merge(existing, value),
                    _ => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, patch) => *base = patch,
    }
}
