//! The intakes: LLM Observability spans (`POST /api/v2/llmobs`, a JSON array of
//! events as ddtrace writes them) and evaluation metrics
//! (`POST /api/intake/llm-obs/v2/eval-metric`, JSON:API). Both answer 202; a body
//! with any invalid item is refused whole with 400.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::jsonapi::{self, parse_document, parse_json};
use crate::state::AppState;
use crate::store::events::{EvalMetric, ReceivedSpan};
use crate::validate;

/// One event of the span intake.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpanEvent {
    #[serde(rename = "_dd.stage")]
    stage: String,
    #[serde(rename = "_dd.tracer_version")]
    tracer_version: String,
    event_type: String,
    #[serde(default, rename = "_dd.scope")]
    scope: Option<String>,
    spans: Vec<Value>,
}

pub async fn spans(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let value = parse_json(&headers, &body, state.config.intake_max_bytes)?;
    // ddtrace sends an array of events; a single event object is accepted too.
    let raw_events = match value {
        Value::Array(events) => events,
        event @ Value::Object(_) => vec![event],
        _ => {
            return Err(ApiError::bad_request(
                "the body must be an array of span events",
            ));
        }
    };
    let window = state.window();
    let mut events = Vec::with_capacity(raw_events.len());
    for (i, raw) in raw_events.into_iter().enumerate() {
        let event: SpanEvent = serde_path_to_error::deserialize(raw)
            .map_err(|e| ApiError::bad_request(format!("[{i}].{}: {}", e.path(), e.inner())))?;
        if event.event_type != "span" {
            return Err(ApiError::bad_request(format!(
                "[{i}].event_type: must be \"span\", got \"{}\"",
                event.event_type
            )));
        }
        if event.stage != "raw" || event.tracer_version.is_empty() {
            return Err(ApiError::bad_request(format!(
                "[{i}]: _dd.stage must be \"raw\" and _dd.tracer_version non-empty"
            )));
        }
        for (j, span) in event.spans.iter().enumerate() {
            validate::intake_span(span, &format!("[{i}].spans[{j}]"), window)?;
        }
        events.push(event);
    }
    let now = clock::now_ms();
    let mut store = state.store.lock();
    for event in events {
        for span in event.spans {
            store.events.spans.push(ReceivedSpan {
                received_at_ms: now,
                source: "span_intake",
                experiment_id: experiment_tag(&span),
                scope: event.scope.clone(),
                span,
            });
        }
    }
    Ok(jsonapi::respond(StatusCode::ACCEPTED, json!({})))
}

/// The span's `experiment_id:` tag.
fn experiment_tag(span: &Value) -> Option<String> {
    span["tags"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find_map(|t| t.strip_prefix("experiment_id:"))
        .map(str::to_string)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvalMetrics {
    metrics: Vec<Value>,
}

/// 202 with the metrics echoed, each with the id it was given.
pub async fn eval_metrics(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc = parse_document::<EvalMetrics>(
        &headers,
        &body,
        state.config.intake_max_bytes,
        &["evaluation_metric"],
    )?;
    let window = state.window();
    for (i, metric) in doc.attributes.metrics.iter().enumerate() {
        validate::intake_metric(metric, &format!("data.attributes.metrics[{i}]"), window)?;
    }
    let now = clock::now_ms();
    let mut echoed = Vec::new();
    let mut store = state.store.lock();
    for mut metric in doc.attributes.metrics {
        let id = ids::short_id();
        store.events.eval_metrics.push(EvalMetric {
            received_at_ms: now,
            id: id.clone(),
            metric: metric.clone(),
        });
        metric["id"] = json!(id);
        echoed.push(metric);
    }
    Ok(jsonapi::respond(
        StatusCode::ACCEPTED,
        json!({"data": {"id": ids::uuid(), "type": "evaluation_metric",
                        "attributes": {"metrics": echoed}}}),
    ))
}
