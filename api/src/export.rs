//! Record results as CSV or JSON lines (`GET …/experiments/{id}/results?format=`).
//!
//! CSV has one row per record: the result's own fields, then one column per
//! evaluator (`true`/`false`, a number, a category, or empty for not applicable).
//! JSON lines hold each `RecordResult` whole, output reports included.

use std::collections::BTreeSet;

use tally_core::evaluators::MetricValue;
use tally_core::run::{RecordResult, RecordStatus};

const FIXED_COLUMNS: [&str; 16] = [
    "record_id",
    "status",
    "error_kind",
    "error_message",
    "latency_ms",
    "attempts",
    "retries",
    "rate_limited",
    "prompt_tokens",
    "output_tokens",
    "thinking_tokens",
    "cost_usd",
    "model_version",
    "finish_reason",
    "emulated",
    "finished_at",
];

pub fn csv(results: &[RecordResult]) -> String {
    let evaluators: BTreeSet<&str> = results
        .iter()
        .flat_map(|r| r.evaluations.iter().map(|(name, _)| name))
        .collect();
    let mut out = String::new();
    let header: Vec<&str> = FIXED_COLUMNS
        .iter()
        .copied()
        .chain(evaluators.iter().copied())
        .collect();
    push_row(&mut out, header.iter().map(|h| h.to_string()));
    for result in results {
        let error = result.error.as_ref();
        let fixed = [
            result.record_id.clone(),
            match result.status {
                RecordStatus::Succeeded => "succeeded".to_string(),
                RecordStatus::Failed => "failed".to_string(),
            },
            error.map(|e| e.kind.clone()).unwrap_or_default(),
            error.map(|e| e.message.clone()).unwrap_or_default(),
            result.latency_ms.to_string(),
            result.attempts.to_string(),
            result.retries().to_string(),
            result.rate_limited.to_string(),
            result.tokens.prompt.to_string(),
            result.tokens.output.to_string(),
            result.tokens.thinking.to_string(),
            result.cost_usd.map(|c| c.to_string()).unwrap_or_default(),
            result.model_version.clone().unwrap_or_default(),
            result.finish_reason.clone().unwrap_or_default(),
            result.emulated.to_string(),
            result.finished_at.to_rfc3339(),
        ];
        let values = evaluators
            .iter()
            .map(|name| metric_cell(result.evaluations.get(name)));
        push_row(&mut out, fixed.into_iter().chain(values));
    }
    out
}

pub fn jsonl(results: &[RecordResult]) -> String {
    let mut out = String::new();
    for result in results {
        // A RecordResult holds only strings, numbers and maps: it always serialises.
        out.push_str(&serde_json::to_string(result).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn metric_cell(value: &MetricValue) -> String {
    match value {
        MetricValue::Bool(b) => b.to_string(),
        MetricValue::Score(score) => score.get().to_string(),
        MetricValue::Categorical(category) => category.clone(),
        MetricValue::NotApplicable => String::new(),
    }
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    let row: Vec<String> = cells.map(|cell| escape(&cell)).collect();
    out.push_str(&row.join(","));
    out.push_str("\r\n");
}

/// RFC 4180 quoting. A text cell that a spreadsheet would run as a formula (`=`, `+`,
/// `@`, or `-` not followed by a digit) gets a leading `'`: error messages and model
/// versions come from outside.
fn escape(cell: &str) -> String {
    let formula = match cell.as_bytes() {
        [b'=' | b'+' | b'@' | b'\t' | b'\r', ..] => true,
        [b'-', next, ..] => !next.is_ascii_digit(),
        [b'-'] => true,
        _ => false,
    };
    let cell = if formula {
        format!("'{cell}")
    } else {
        cell.to_string()
    };
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting_and_defuses_formulas() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a,b"), "\"a,b\"");
        assert_eq!(escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(escape("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(escape("-0.5"), "-0.5");
        assert_eq!(escape("-cmd"), "'-cmd");
    }
}
