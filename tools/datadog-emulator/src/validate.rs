//! The schemas of what the intakes and the experiment events endpoint accept:
//! evaluation metrics (experiment and intake forms) and spans (intake and events
//! forms). Unknown members are refused, types are checked, a metric's value must
//! match its `metric_type`, and every timestamp must be within the window of now
//! (Datadog's 24-hour rule: `timestamp_within_24hr`). Errors name the member's path.
//!
//! The schema structs are deserialized only to check members and types (what is
//! stored is the JSON as received), so most of their fields are never read: hence
//! their `allow(dead_code)`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::clock;
use crate::error::ApiError;

/// Where and when a body is checked.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub now_ms: i64,
    pub secs: u64,
}

impl Window {
    fn check_ms(&self, path: &str, timestamp_ms: i64) -> Result<(), ApiError> {
        if clock::within_window(timestamp_ms, self.now_ms, self.secs) {
            return Ok(());
        }
        Err(ApiError::bad_request(format!(
            "{path}: timestamp_within_24hr: {timestamp_ms} is not within {} hours of now ({})",
            self.secs as f64 / 3600.0,
            self.now_ms
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricType {
    Categorical,
    Score,
    Boolean,
    Json,
}

impl MetricType {
    fn value_key(self) -> &'static str {
        match self {
            MetricType::Categorical => "categorical_value",
            MetricType::Score => "score_value",
            MetricType::Boolean => "boolean_value",
            MetricType::Json => "json_value",
        }
    }
}

const VALUE_KEYS: [&str; 4] = [
    "categorical_value",
    "score_value",
    "boolean_value",
    "json_value",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Assessment {
    Pass,
    Fail,
}

/// One metric of `POST …/experiments/{id}/events`, as ddtrace and the public API
/// send it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ExperimentMetric {
    span_id: String,
    #[serde(default)]
    trace_id: Option<String>,
    timestamp_ms: i64,
    metric_type: MetricType,
    label: String,
    #[serde(default)]
    metric_source: Option<String>,
    #[serde(default)]
    categorical_value: Option<String>,
    #[serde(default)]
    score_value: Option<f64>,
    #[serde(default)]
    boolean_value: Option<bool>,
    #[serde(default)]
    json_value: Option<Map<String, Value>>,
    #[serde(default)]
    error: Option<MetricError>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    experiment_id: Option<String>,
    #[serde(default)]
    status: Option<MetricStatus>,
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    assessment: Option<Assessment>,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
    #[serde(default)]
    eval_source_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
enum MetricStatus {
    Ok,
    Error,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct MetricError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    stack: Option<String>,
}

/// Checks one experiment metric at `path` of an events request for `experiment_id`.
pub fn experiment_metric(
    raw: &Value,
    path: &str,
    experiment_id: &str,
    window: Window,
) -> Result<(), ApiError> {
    let metric: ExperimentMetric = typed(raw, path)?;
    if metric.label.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{path}.label: must not be empty"
        )));
    }
    if let Some(other) = metric
        .experiment_id
        .as_deref()
        .filter(|e| *e != experiment_id)
    {
        return Err(ApiError::bad_request(format!(
            "{path}.experiment_id: {other} is not the experiment of the URL ({experiment_id})"
        )));
    }
    let errored = metric.status == Some(MetricStatus::Error)
        || metric.error.as_ref().is_some_and(|e| e.message.is_some());
    check_value(raw, path, metric.metric_type, errored)?;
    window.check_ms(&format!("{path}.timestamp_ms"), metric.timestamp_ms)
}

/// One metric of the evaluation intake.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct IntakeMetric {
    join_on: JoinOn,
    metric_type: MetricType,
    label: String,
    ml_app: String,
    timestamp_ms: i64,
    #[serde(default)]
    categorical_value: Option<String>,
    #[serde(default)]
    score_value: Option<f64>,
    #[serde(default)]
    boolean_value: Option<bool>,
    #[serde(default)]
    json_value: Option<Map<String, Value>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    assessment: Option<Assessment>,
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
    #[serde(default)]
    eval_scope: Option<EvalScope>,
    #[serde(default)]
    event_kind: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    feedback_join_key: Option<String>,
    #[serde(default)]
    submitter: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EvalScope {
    Span,
    Trace,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct JoinOn {
    #[serde(default)]
    span: Option<SpanJoin>,
    #[serde(default)]
    tag: Option<TagJoin>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SpanJoin {
    span_id: String,
    trace_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct TagJoin {
    key: String,
    value: String,
}

/// Checks one metric at `path` of an eval-metric intake request.
pub fn intake_metric(raw: &Value, path: &str, window: Window) -> Result<(), ApiError> {
    let metric: IntakeMetric = typed(raw, path)?;
    if metric.join_on.span.is_some() == metric.join_on.tag.is_some() {
        return Err(ApiError::bad_request(format!(
            "{path}.join_on: exactly one of span or tag is required"
        )));
    }
    if metric.label.is_empty() || metric.label.contains('.') {
        return Err(ApiError::bad_request(format!(
            "{path}.label: must be non-empty and contain no '.'"
        )));
    }
    if metric.ml_app.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{path}.ml_app: must not be empty"
        )));
    }
    check_value(raw, path, metric.metric_type, false)?;
    window.check_ms(&format!("{path}.timestamp_ms"), metric.timestamp_ms)
}

/// The value member must be the one `metric_type` names, and present (null only for
/// a metric whose evaluator failed).
fn check_value(
    raw: &Value,
    path: &str,
    metric_type: MetricType,
    errored: bool,
) -> Result<(), ApiError> {
    let key = metric_type.value_key();
    for other in VALUE_KEYS.iter().filter(|k| **k != key) {
        if raw.get(*other).is_some_and(|v| !v.is_null()) {
            return Err(ApiError::bad_request(format!(
                "{path}.{other}: not allowed for metric_type {key:?}"
            )));
        }
    }
    match raw.get(key) {
        None => Err(ApiError::bad_request(format!("{path}.{key}: required"))),
        Some(Value::Null) if !errored => Err(ApiError::bad_request(format!(
            "{path}.{key}: must not be null unless the metric has an error"
        ))),
        Some(_) => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SpanStatus {
    Ok,
    Error,
}

/// A span of the LLM Observability span intake, as ddtrace writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct IntakeSpan {
    span_id: String,
    trace_id: String,
    parent_id: String,
    name: String,
    start_ns: i64,
    duration: i64,
    status: SpanStatus,
    meta: Map<String, Value>,
    tags: Vec<String>,
    #[serde(default)]
    metrics: Option<Map<String, Value>>,
    #[serde(default)]
    _dd: Option<Map<String, Value>>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    status_message: Option<String>,
    #[serde(default)]
    collection_errors: Option<Vec<String>>,
    #[serde(default)]
    span_links: Option<Vec<Value>>,
    #[serde(default)]
    config: Option<Value>,
    #[serde(default)]
    ml_app: Option<String>,
}

/// Checks one span at `path` of a span intake event.
pub fn intake_span(raw: &Value, path: &str, window: Window) -> Result<(), ApiError> {
    let span: IntakeSpan = typed(raw, path)?;
    check_span_ids(path, &span.span_id, &span.trace_id)?;
    if span.duration < 0 {
        return Err(ApiError::bad_request(format!(
            "{path}.duration: must not be negative"
        )));
    }
    window.check_ms(&format!("{path}.start_ns"), span.start_ns / 1_000_000)
}

/// A span posted with an experiment's events (the public API's form).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct EventsSpan {
    span_id: String,
    trace_id: String,
    project_id: String,
    dataset_id: String,
    name: String,
    start_ns: i64,
    duration: i64,
    status: SpanStatus,
    #[serde(default)]
    meta: Option<EventsSpanMeta>,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct EventsSpanMeta {
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    output: Option<Value>,
    #[serde(default)]
    expected_output: Option<Value>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    error: Option<MetricError>,
}

/// Checks one span at `path` of an events request (its ids need only be
/// non-empty: the public API does not ask for ddtrace's decimal span ids).
pub fn events_span(raw: &Value, path: &str, window: Window) -> Result<(), ApiError> {
    let span: EventsSpan = typed(raw, path)?;
    if span.span_id.is_empty() || span.trace_id.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{path}: span_id and trace_id must not be empty"
        )));
    }
    if span.duration < 0 {
        return Err(ApiError::bad_request(format!(
            "{path}.duration: must not be negative"
        )));
    }
    window.check_ms(&format!("{path}.start_ns"), span.start_ns / 1_000_000)
}

/// Span ids are unsigned 64-bit decimals; trace ids are non-empty.
fn check_span_ids(path: &str, span_id: &str, trace_id: &str) -> Result<(), ApiError> {
    if span_id.parse::<u64>().is_err() {
        return Err(ApiError::bad_request(format!(
            "{path}.span_id: expected an unsigned 64-bit decimal, got {span_id:?}"
        )));
    }
    if trace_id.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{path}.trace_id: must not be empty"
        )));
    }
    Ok(())
}

fn typed<T: DeserializeOwned>(raw: &Value, path: &str) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(raw).map_err(|e| {
        let inner = e.path().to_string();
        let at = if inner == "." {
            path.to_string()
        } else {
            format!("{path}.{inner}")
        };
        ApiError::bad_request(format!("{at}: {}", e.inner()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000_000;
    const WINDOW: Window = Window {
        now_ms: NOW,
        secs: 86_400,
    };

    fn detail(error: ApiError) -> String {
        error.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn metric() -> Value {
        json!({"metric_source": "custom", "span_id": "18431604710034347318",
               "trace_id": "6b0dee1600000000d6538482da569fe5", "timestamp_ms": NOW,
               "metric_type": "boolean", "label": "exact_match", "boolean_value": true,
               "error": null, "tags": [], "experiment_id": "e", "status": "OK"})
    }

    #[test]
    fn experiment_metrics_as_ddtrace_sends_them_pass() {
        experiment_metric(&metric(), "m[0]", "e", WINDOW).unwrap();
        let failed = json!({"metric_source": "custom", "span_id": "1", "trace_id": "t",
            "timestamp_ms": NOW, "metric_type": "categorical", "label": "broken",
            "categorical_value": null, "status": "ERROR",
            "error": {"message": "boom", "type": "ValueError", "stack": "…"}});
        experiment_metric(&failed, "m[1]", "e", WINDOW).unwrap();
    }

    #[test]
    fn experiment_metric_errors() {
        let mut old = metric();
        old["timestamp_ms"] = json!(NOW - 86_400_001);
        assert!(
            detail(experiment_metric(&old, "m[0]", "e", WINDOW).unwrap_err())
                .starts_with("m[0].timestamp_ms: timestamp_within_24hr")
        );
        let mut wrong_value = metric();
        wrong_value["score_value"] = json!(1.0);
        assert_eq!(
            detail(experiment_metric(&wrong_value, "m", "e", WINDOW).unwrap_err()),
            "m.score_value: not allowed for metric_type \"boolean_value\""
        );
        let mut missing = metric();
        missing.as_object_mut().unwrap().remove("boolean_value");
        assert_eq!(
            detail(experiment_metric(&missing, "m", "e", WINDOW).unwrap_err()),
            "m.boolean_value: required"
        );
        let mut unknown = metric();
        unknown["colour"] = json!("red");
        assert!(
            detail(experiment_metric(&unknown, "m", "e", WINDOW).unwrap_err())
                .contains("unknown field `colour`")
        );
        assert!(experiment_metric(&metric(), "m", "other", WINDOW).is_err());
    }

    #[test]
    fn intake_metrics_need_one_join_and_a_clean_label() {
        let good = json!({"join_on": {"span": {"span_id": "1", "trace_id": "2"}},
            "metric_type": "score", "score_value": 0.5, "label": "toxicity",
            "ml_app": "app", "timestamp_ms": NOW, "tags": ["ddtrace.version:4.16.0"]});
        intake_metric(&good, "m", WINDOW).unwrap();
        let mut both = good.clone();
        both["join_on"]["tag"] = json!({"key": "k", "value": "v"});
        assert!(intake_metric(&both, "m", WINDOW).is_err());
        let mut dotted = good.clone();
        dotted["label"] = json!("a.b");
        assert!(intake_metric(&dotted, "m", WINDOW).is_err());
        let mut null_value = good;
        null_value["score_value"] = Value::Null;
        assert!(intake_metric(&null_value, "m", WINDOW).is_err());
    }

    #[test]
    fn spans_are_checked_for_ids_and_age() {
        let span = json!({"span_id": "123", "trace_id": "abc", "parent_id": "undefined",
            "name": "task", "start_ns": NOW * 1_000_000, "duration": 10, "status": "ok",
            "meta": {"span.kind": "experiment"}, "tags": [], "metrics": {}});
        intake_span(&span, "s", WINDOW).unwrap();
        let mut bad_id = span.clone();
        bad_id["span_id"] = json!("x1");
        assert!(detail(intake_span(&bad_id, "s", WINDOW).unwrap_err()).starts_with("s.span_id"));
        let mut old = span;
        old["start_ns"] = json!((NOW - 90_000_000) * 1_000_000);
        assert!(
            detail(intake_span(&old, "s", WINDOW).unwrap_err()).contains("timestamp_within_24hr")
        );
    }
}
