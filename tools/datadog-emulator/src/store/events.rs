//! What the intakes and the experiment events endpoint received, kept as sent (every
//! delivery, duplicates included, so tests can count them), and the per-experiment
//! view that `GET …/experiments/{id}/events` answers with.

use serde::Serialize;
use serde_json::{Value, json};

/// A span, as received.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedSpan {
    pub received_at_ms: i64,
    /// `span_intake` (`POST /api/v2/llmobs`) or `experiment_events` (spans posted
    /// with an experiment's events).
    pub source: &'static str,
    /// From the span's `experiment_id:` tag, or the events URL.
    pub experiment_id: Option<String>,
    /// The envelope's `_dd.scope` (`experiments` for experiment spans).
    pub scope: Option<String>,
    pub span: Value,
}

/// A metric posted to an experiment's events endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentMetric {
    pub received_at_ms: i64,
    pub experiment_id: String,
    /// The request's `tags` (the batch's, not the metric's own).
    pub batch_tags: Vec<String>,
    pub metric: Value,
}

/// A metric accepted by the evaluation intake.
#[derive(Debug, Clone, Serialize)]
pub struct EvalMetric {
    pub received_at_ms: i64,
    pub id: String,
    pub metric: Value,
}

#[derive(Debug, Default)]
pub struct Events {
    pub spans: Vec<ReceivedSpan>,
    pub experiment_metrics: Vec<ExperimentMetric>,
    pub eval_metrics: Vec<EvalMetric>,
}

impl Events {
    /// The experiment's spans (in arrival order) each with its evaluation metrics,
    /// and its summary metrics: `{"spans": […], "summary_metrics": […]}`.
    pub fn experiment_view(&self, experiment_id: &str, include_eval_metrics: bool) -> Value {
        let metrics: Vec<&Value> = self
            .experiment_metrics
            .iter()
            .filter(|m| m.experiment_id == experiment_id)
            .map(|m| &m.metric)
            .collect();
        let spans: Vec<Value> = self
            .spans
            .iter()
            .filter(|s| s.experiment_id.as_deref() == Some(experiment_id))
            .map(|s| {
                let span_id = s.span["span_id"].as_str().unwrap_or_default();
                let mut view = span_view(&s.span);
                if include_eval_metrics {
                    let own: Vec<&Value> = metrics
                        .iter()
                        .copied()
                        .filter(|m| !is_summary(m) && m["span_id"].as_str() == Some(span_id))
                        .collect();
                    view["eval_metrics"] = json!(own);
                }
                view
            })
            .collect();
        let summary: Vec<&Value> = metrics.into_iter().filter(|m| is_summary(m)).collect();
        json!({"spans": spans, "summary_metrics": summary})
    }
}

/// Summary metrics belong to the run, not to a span.
fn is_summary(metric: &Value) -> bool {
    metric["metric_source"].as_str() == Some("summary")
        || metric["span_id"].as_str().is_none_or(str::is_empty)
}

/// The flat span Datadog returns: ids, timing, tags, and `meta` reduced to input,
/// output, expected output, metadata and error (`{}` when there is none).
fn span_view(span: &Value) -> Value {
    let meta = &span["meta"];
    let tags = span["tags"].as_array().cloned().unwrap_or_default();
    let record_id = tags
        .iter()
        .filter_map(Value::as_str)
        .find_map(|t| t.strip_prefix("dataset_record_id:"))
        .map(str::to_string);
    json!({
        "span_id": span["span_id"],
        "trace_id": span["trace_id"],
        "parent_id": span.get("parent_id").cloned().unwrap_or(json!("undefined")),
        "name": span["name"],
        "start_ns": span["start_ns"],
        "duration": span["duration"],
        "status": span["status"],
        "tags": tags,
        "dataset_record_id": record_id,
        "metrics": span.get("metrics").cloned().unwrap_or(json!({})),
        "meta": {
            "input": meta.get("input").cloned().unwrap_or(Value::Null),
            "output": meta.get("output").cloned().unwrap_or(Value::Null),
            "expected_output": meta.get("expected_output").cloned().unwrap_or(Value::Null),
            "metadata": meta.get("metadata").cloned().unwrap_or(json!({})),
            "error": meta.get("error").cloned().filter(|e| !e.is_null()).unwrap_or(json!({})),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_carry_their_metrics_and_summaries_stand_apart() {
        let mut events = Events::default();
        let span = json!({"span_id": "1", "trace_id": "t", "name": "task", "start_ns": 5,
                          "duration": 2, "status": "ok", "tags": ["dataset_record_id:r1"],
                          "meta": {"input": {"q": 1}, "output": "a"}});
        events.spans.push(ReceivedSpan {
            received_at_ms: 0,
            source: "span_intake",
            experiment_id: Some("e".into()),
            scope: Some("experiments".into()),
            span,
        });
        for metric in [
            json!({"span_id": "1", "label": "exact", "metric_source": "custom"}),
            json!({"span_id": "2", "label": "other"}),
            json!({"span_id": "", "label": "accuracy", "metric_source": "summary"}),
        ] {
            events.experiment_metrics.push(ExperimentMetric {
                received_at_ms: 0,
                experiment_id: "e".into(),
                batch_tags: vec![],
                metric,
            });
        }
        let view = events.experiment_view("e", true);
        let spans = view["spans"].as_array().unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0]["dataset_record_id"], "r1");
        assert_eq!(spans[0]["meta"]["error"], json!({}));
        assert_eq!(spans[0]["eval_metrics"][0]["label"], "exact");
        assert_eq!(spans[0]["eval_metrics"].as_array().unwrap().len(), 1);
        assert_eq!(view["summary_metrics"][0]["label"], "accuracy");
        let without = events.experiment_view("e", false);
        assert!(without["spans"][0].get("eval_metrics").is_none());
        assert_eq!(events.experiment_view("other", true)["spans"], json!([]));
    }
}
