//! What a written result — an online call's or a batch's answer — adds to the
//! worker's metrics, and its log line. Only a result the store kept is observed, so
//! a record written twice (a re-executed chunk, a batch polled again) counts once.

use tally_core::contract::Execution;
use tally_core::run::{ExperimentRecord, RecordResult};

use crate::context::Context;

/// Metrics and the log line of one written result.
pub fn written(context: &Context, experiment: &ExperimentRecord, result: &RecordResult) {
    let model = experiment.config.model.as_str();
    let metrics = &context.metrics;
    let (outcome, reason) = match &result.error {
        None => ("succeeded", ""),
        Some(error) => ("failed", error.kind.as_str()),
    };
    metrics
        .records
        .with_label_values(&[model, outcome, reason])
        .inc();
    // A batch's answers come together, long after they were asked for: no call
    // of a record of it has a latency of its own.
    if result.attempts > 0 && experiment.execution == Execution::Online {
        metrics
            .call_seconds
            .with_label_values(&[model])
            .observe(result.latency_ms as f64 / 1000.0);
    }
    metrics
        .retries
        .with_label_values(&[model])
        .inc_by(u64::from(result.retries()));
    metrics
        .rate_limited
        .with_label_values(&[model])
        .inc_by(u64::from(result.rate_limited));
    // A cached answer's tokens were billed when it was first made, not now.
    let billed = u64::from(!result.cached);
    for (kind, count) in [
        ("prompt", result.tokens.prompt),
        ("output", result.tokens.output),
        ("thinking", result.tokens.thinking),
    ] {
        metrics
            .tokens
            .with_label_values(&[model, kind])
            .inc_by(count * billed);
    }
    if let Some(cost) = result.cost_usd {
        metrics
            .cost_micro_usd
            .with_label_values(&[model])
            .inc_by((cost * 1e6).round() as u64);
    }
    match &result.error {
        None => tracing::info!(
            latency_ms = result.latency_ms,
            attempts = result.attempts,
            "record done"
        ),
        Some(error) => tracing::warn!(kind = %error.kind, message = %error.message,
            attempts = result.attempts, "record failed"),
    }
}
