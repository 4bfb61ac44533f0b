//! An experiment's events: `POST` takes evaluation metrics (and, in the public API's
//! form, spans), `GET` returns the experiment's spans with their metrics and the
//! summary metrics.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::jsonapi::{self, parse_document};
use crate::paging::Page;
use crate::query::Query;
use crate::state::AppState;
use crate::store::events::{ExperimentMetric, ReceivedSpan};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostEvents {
    /// ddtrace sends `experiments`.
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    metrics: Vec<Value>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    spans: Vec<Value>,
}

/// `POST …/experiments/{id}/events`: type `experiments` (ddtrace) or `events` (the
/// public API). Every metric and span is checked before any is kept; 202, no body.
pub async fn post(
    State(state): State<Arc<AppState>>,
    Path(experiment_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc = parse_document::<PostEvents>(
        &headers,
        &body,
        state.config.api_max_bytes,
        &["experiments", "events"],
    )?;
    let events = doc.attributes;
    if let Some(scope) = events.scope.as_deref().filter(|s| *s != "experiments") {
        return Err(ApiError::bad_request(format!(
            "data.attributes.scope: must be \"experiments\", got \"{scope}\""
        )));
    }
    let window = state.window();
    for (i, metric) in events.metrics.iter().enumerate() {
        validate::experiment_metric(
            metric,
            &format!("data.attributes.metrics[{i}]"),
            &experiment_id,
            window,
        )?;
    }
    for (i, span) in events.spans.iter().enumerate() {
        validate::events_span(span, &format!("data.attributes.spans[{i}]"), window)?;
    }
    let mut store = state.store.lock();
    store.experiment(&experiment_id)?;
    let now = clock::now_ms();
    for metric in events.metrics {
        store.events.experiment_metrics.push(ExperimentMetric {
            received_at_ms: now,
            experiment_id: experiment_id.clone(),
            batch_tags: events.tags.clone(),
            metric,
        });
    }
    for span in events.spans {
        store.events.spans.push(ReceivedSpan {
            received_at_ms: now,
            source: "experiment_events",
            experiment_id: Some(experiment_id.clone()),
            scope: Some("experiments".to_string()),
            span,
        });
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `GET …/experiments/{id}/events[?include[eval_metrics]=true]`: one
/// `experiment_events` object; spans are paged when `page[limit]` is given.
pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(experiment_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = Query::parse(
        raw.as_deref(),
        &["include[eval_metrics]", "page[limit]", "page[cursor]"],
    )?;
    let include = match query.single("include[eval_metrics]")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "include[eval_metrics]: expected true or false, got \"{other}\""
            )));
        }
    };
    let page = Page::from_query(&query, crate::paging::MAX_LIMIT)?;
    let store = state.store.lock();
    store.experiment(&experiment_id)?;
    let mut view = store.events.experiment_view(&experiment_id, include);
    let spans = view["spans"].as_array().cloned().unwrap_or_default();
    let (spans, after) = page.slice(&spans);
    view["spans"] = json!(spans);
    Ok(jsonapi::respond(
        StatusCode::OK,
        json!({
            "data": {"id": experiment_id, "type": "experiment_events", "attributes": view},
            "meta": {"after": after.unwrap_or_default()},
        }),
    ))
}
