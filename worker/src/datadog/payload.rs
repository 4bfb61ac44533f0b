//! What one record, one experiment's summary and one experiment's config look like
//! in Datadog: spans in the events API's form, evaluation metrics typed from their
//! values (bool → boolean, number → score, text → categorical), as ddtrace types them.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tally_core::contract::ExperimentSummary;
use tally_core::dataset::DatasetRecord;
use tally_core::evaluators::MetricValue;
use tally_core::run::{ExperimentRecord, RecordResult, RecordStatus};

/// The ids of a record's span, derived from the experiment and record, so a batch
/// sent twice names the same span.
pub struct SpanIds {
    pub span_id: String,
    pub trace_id: String,
}

impl SpanIds {
    /// The ids of one result; `key` is its `RecordResult::key`, so each trial of a
    /// record is a span of its own (trial 0 keeps the ids it had before trials).
    pub fn of(experiment: &ExperimentRecord, key: &str) -> SpanIds {
        let digest = Sha256::digest(format!("{}\n{key}", experiment.experiment_id));
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        SpanIds {
            // ddtrace span ids are unsigned 64-bit decimals.
            span_id: u64::from_be_bytes(first).to_string(),
            trace_id: hex::encode(&digest[8..24]),
        }
    }
}

/// Where a span belongs in Datadog.
pub struct Target<'a> {
    pub project_id: &'a str,
    pub dataset_id: &'a str,
    pub experiment_id: &'a str,
}

/// One record's experiment span: input, output, expected output, metadata,
/// duration and error.
pub fn span(
    target: &Target<'_>,
    experiment: &ExperimentRecord,
    result: &RecordResult,
    record: Option<&DatasetRecord>,
) -> Value {
    let ids = SpanIds::of(experiment, &result.key());
    let duration_ns = i64::try_from(result.latency_ms)
        .unwrap_or(i64::MAX / 1_000_000)
        .saturating_mul(1_000_000);
    let end_ns = result.finished_at.timestamp_nanos_opt().unwrap_or_else(|| {
        result
            .finished_at
            .timestamp_millis()
            .saturating_mul(1_000_000)
    });
    let failed = result.status == RecordStatus::Failed;
    let mut meta = json!({
        "input": record.map_or(Value::Null, |r| json!(r.input)),
        "output": result.output.as_ref().map_or(json!({}), |reports| json!({"reports": reports})),
        "expected_output": record.map_or(Value::Null, |r| json!({"reports": r.expected_output})),
        "metadata": record.map_or(json!({}), |r| Value::Object(r.metadata.clone())),
    });
    if let Some(error) = &result.error {
        meta["error"] = json!({"message": error.message, "type": error.kind});
    }
    json!({
        "span_id": ids.span_id,
        "trace_id": ids.trace_id,
        "project_id": target.project_id,
        "dataset_id": target.dataset_id,
        "name": "extract",
        "start_ns": end_ns.saturating_sub(duration_ns),
        "duration": duration_ns,
        "status": if failed { "error" } else { "ok" },
        "meta": meta,
        "tags": [
            format!("experiment_id:{}", target.experiment_id),
            format!("dataset_id:{}", target.dataset_id),
            format!("dataset_record_id:{}", result.record_id),
            format!("trial:{}", result.trial),
            format!("error:{}", u8::from(failed)),
        ],
    })
}

/// One metric per evaluator that judged the record (not-applicable ones are left
/// out, as they are of every mean).
pub fn record_metrics(
    target: &Target<'_>,
    experiment: &ExperimentRecord,
    result: &RecordResult,
) -> Vec<Value> {
    let ids = SpanIds::of(experiment, &result.key());
    let timestamp_ms = result.finished_at.timestamp_millis();
    result
        .evaluations
        .iter()
        .filter_map(|(label, value)| {
            let (kind, key, value) = match value {
                MetricValue::Bool(b) => ("boolean", "boolean_value", json!(b)),
                MetricValue::Score(s) => ("score", "score_value", json!(s.get())),
                MetricValue::Categorical(c) => {
                    ("categorical", "categorical_value", json!(c.to_lowercase()))
                }
                MetricValue::NotApplicable => return None,
            };
            let mut metric = json!({
                "metric_source": "custom",
                "span_id": ids.span_id,
                "trace_id": ids.trace_id,
                "timestamp_ms": timestamp_ms,
                "metric_type": kind,
                "label": label,
                "experiment_id": target.experiment_id,
                "status": "OK",
                "tags": [],
            });
            metric[key] = value;
            Some(metric)
        })
        .collect()
}

/// The experiment's summary numbers as summary metrics (`span_id: ""`).
pub fn summary_metrics(
    experiment_id: &str,
    summary: &ExperimentSummary,
    now_ms: i64,
) -> Vec<Value> {
    let mut scores: Vec<(String, f64)> = vec![
        ("overall_accuracy".into(), summary.overall_accuracy),
        ("success_rate".into(), summary.success_rate),
        ("avg_ballot_accuracy".into(), summary.avg_ballot_accuracy),
    ];
    if let Some(value) = summary.avg_vote_results_quality {
        scores.push(("avg_vote_results_quality".into(), value));
    }
    if let Some(value) = summary.exact_form_match_rate {
        scores.push(("exact_form_match_rate".into(), value));
    }
    for (rule, rate) in &summary.consistency_pass_rates {
        scores.push((format!("consistency_{rule}_pass_rate"), *rate));
    }
    scores
        .into_iter()
        .map(|(label, value)| {
            json!({
                "metric_source": "summary",
                "span_id": "",
                "timestamp_ms": now_ms,
                "metric_type": "score",
                "label": label,
                "score_value": value,
                "experiment_id": experiment_id,
                "status": "OK",
                "tags": [],
            })
        })
        .collect()
}

/// The experiment's model configuration, as Datadog shows it next to the results.
pub fn config(experiment: &ExperimentRecord) -> Value {
    json!(experiment.config)
}

/// Tags on the experiment: the model and temperature, then the configuration's
/// metadata as `key:value`.
pub fn tags(experiment: &ExperimentRecord, ml_app: &str) -> Vec<String> {
    let config = json!(experiment.config);
    let mut tags = vec![
        format!("ml_app:{ml_app}"),
        format!("model:{}", config["model"].as_str().unwrap_or_default()),
        format!("temperature:{}", config["temperature"]),
        format!("tally_run_id:{}", experiment.run_id),
        format!("tally_experiment_id:{}", experiment.experiment_id),
    ];
    if let Some(metadata) = config["metadata"].as_object() {
        for (key, value) in metadata {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            tags.push(format!("{key}:{value}"));
        }
    }
    tags
}
