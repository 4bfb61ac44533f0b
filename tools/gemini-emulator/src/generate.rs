//! The generateContent endpoints, both URL shapes, plain and streamed:
//!
//! - Developer API: `POST /{v1beta|v1}/models/{model}:generateContent` (`x-goog-api-key`
//!   header or `?key=`).
//! - Vertex AI: `POST /{v1|v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent`
//!   (`Authorization: Bearer`).
//! - `:streamGenerateContent?alt=sse` (server-sent events) or without `alt` (a JSON array).
//!
//! Order of checks, like the service: method and version, credentials, size, model,
//! body, quota; then injected faults and the answer, which leaves its latency after
//! the request arrived (the checks and the answer's making run within it).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::answer::{Answer, AnswerInputs, compose, input_tokens};
use crate::batch;
use crate::faults::{Action, random_fault};
use crate::google_error::ApiError;
use crate::latency::{self, Arrival};
use crate::quota::Limits;
use crate::server::ResetConnection;
use crate::state::AppState;
use crate::stats::Stats;
use crate::validate::{Api, check_request, parse_json};

/// The Developer API's limit on a whole request (a batch's inline requests included).
pub const DEVELOPER_REQUEST_LIMIT: usize = 20 * 1024 * 1024;

/// Which API and version a request came in on, and when.
struct Endpoint {
    api: Api,
    version: String,
    arrival: Arrival,
}

struct Call {
    arrival: Arrival,
    api: Api,
    version: String,
    model: String,
    stream: bool,
    sse: bool,
}

pub async fn developer(
    State(state): State<Arc<AppState>>,
    Extension(arrival): Extension<Arrival>,
    Path((version, action)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !matches!(version.as_str(), "v1" | "v1beta") {
        return ApiError::method_not_found().into_response();
    }
    let endpoint = Endpoint {
        api: Api::Developer,
        version,
        arrival,
    };
    handle(state, endpoint, &action, query, headers, body).await
}

pub async fn vertex(
    State(state): State<Arc<AppState>>,
    Extension(arrival): Extension<Arrival>,
    Path((version, _project, _location, publisher, action)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !matches!(version.as_str(), "v1" | "v1beta1") || publisher != "google" {
        return ApiError::method_not_found().into_response();
    }
    let endpoint = Endpoint {
        api: Api::Vertex,
        version,
        arrival,
    };
    handle(state, endpoint, &action, query, headers, body).await
}

async fn handle(
    state: Arc<AppState>,
    endpoint: Endpoint,
    action: &str,
    query: HashMap<String, String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Endpoint {
        api,
        version,
        arrival,
    } = endpoint;
    let Some((model, method)) = action.split_once(':') else {
        return ApiError::method_not_found().into_response();
    };
    let stream = match method {
        "batchGenerateContent" if api == Api::Developer => {
            return batch::routes::create(&state, &version, model, &query, &headers, &body).await;
        }
        "generateContent" => false,
        "streamGenerateContent" => true,
        _ => return ApiError::method_not_found().into_response(),
    };
    let call = Call {
        arrival,
        api,
        version,
        model: model.to_string(),
        stream,
        sse: query.get("alt").map(String::as_str) == Some("sse"),
    };
    let _in_flight = Stats::enter(&state, &call.model);
    let response = respond(&state, &call, &query, &headers, &body).await;
    let status = if response.extensions().get::<ResetConnection>().is_some() {
        0
    } else {
        response.status().as_u16()
    };
    state.stats.finish(&call.model, status);
    response
}

async fn respond(
    state: &Arc<AppState>,
    call: &Call,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let settings = state.settings();
    if let Err(error) = authenticate(state, call.api, query, headers, &settings) {
        return error.into_response();
    }
    if call.api == Api::Developer && body.len() > DEVELOPER_REQUEST_LIMIT {
        return ApiError::invalid_argument(format!(
            "Request payload size exceeds the limit: {DEVELOPER_REQUEST_LIMIT} bytes."
        ))
        .into_response();
    }
    let value = match parse_json(body) {
        Ok(value) => value,
        Err(error) => return error.into_response(),
    };
    state.log.record(
        settings.request_log_capacity,
        call.api,
        &call.model,
        call.stream,
        &value,
    );
    let profile = match settings.models.get(&call.model) {
        Some(profile) if !settings.retired_models.contains(&call.model) => profile.clone(),
        _ => return ApiError::model_not_found(&call.model, &call.version).into_response(),
    };
    let facts = match check_request(&value, call.api, &call.version, &call.model, &profile) {
        Ok(facts) => facts,
        Err(error) => return error.into_response(),
    };
    let limits = Limits {
        requests: profile.rpm,
        input_tokens: profile.tpm,
        requests_per_day: profile.rpd,
    };
    let input_tokens = input_tokens(&facts, settings.image_tokens_per_page);
    let window = Duration::from_millis(settings.quota_window_ms);
    if let Err(refusal) = state
        .quotas
        .admit(&call.model, limits, input_tokens, window)
    {
        return match call.api {
            Api::Developer => ApiError::quota_exceeded(
                &call.model,
                refusal.quota_id,
                refusal.limit,
                // Google rounds the advised wait up to whole milliseconds.
                (refusal.wait.as_secs_f64() * 1000.0).ceil() / 1000.0,
            ),
            Api::Vertex => ApiError::vertex_resource_exhausted(),
        }
        .into_response();
    }
    let mut noise = state.noise();
    let fault = state
        .script
        .take(&call.model)
        .or_else(|| random_fault(&profile.faults, &mut noise));
    let forced = match fault.map(|f| f.action(&call.model, call.api)) {
        Some(Action::Fail(error)) => return error.into_response(),
        Some(Action::Hang) => {
            tokio::time::sleep(Duration::from_millis(settings.hang_ms)).await;
            return ApiError::deadline_exceeded().into_response();
        }
        Some(Action::Reset) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(ResetConnection);
            return response;
        }
        Some(Action::Answer(answer_fault)) => Some(answer_fault),
        None => None,
    };
    let delay = latency::sample(&profile.latency, &mut noise);
    let index = state.index().await;
    let answer = compose(&AnswerInputs {
        model_id: &call.model,
        profile: &profile,
        facts: &facts,
        image_tokens_per_page: settings.image_tokens_per_page,
        index: &index,
        forced,
    });
    tracing::debug!(model = %call.model, record = ?answer.record, "answered");
    let response = shaped(call, &answer);
    // The answer was made within the latency: it leaves `delay` after the arrival.
    tokio::time::sleep_until(call.arrival.0 + delay).await;
    state.stats.answered(&call.model, call.arrival.0.elapsed());
    response
}

/// The answer as the call asked for it: whole, a JSON array of chunks, or events.
fn shaped(call: &Call, answer: &Answer) -> Response {
    if !call.stream {
        return axum::Json(answer.to_response()).into_response();
    }
    let chunks = answer.to_stream_chunks();
    if call.sse {
        let events: String = chunks
            .iter()
            .map(|chunk| format!("data: {chunk}\r\n\r\n"))
            .collect();
        return (
            [(header::CONTENT_TYPE, "text/event-stream")],
            Body::from(events),
        )
            .into_response();
    }
    axum::Json(Value::Array(chunks)).into_response()
}

pub fn authenticate(
    state: &AppState,
    api: Api,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    settings: &crate::config::EmulatorConfig,
) -> Result<(), ApiError> {
    match api {
        Api::Developer => {
            let key = headers
                .get("x-goog-api-key")
                .and_then(|v| v.to_str().ok())
                .or_else(|| query.get("key").map(String::as_str));
            match key {
                None | Some("") => Err(ApiError::missing_api_key()),
                Some(key) if settings.api_keys.iter().any(|k| k == key) => Ok(()),
                Some(_) => Err(ApiError::api_key_invalid()),
            }
        }
        Api::Vertex => {
            let token = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            match token {
                Some(token) if !settings.reject_tokens && state.tokens.is_valid(token) => Ok(()),
                _ => Err(ApiError::unauthenticated()),
            }
        }
    }
}
