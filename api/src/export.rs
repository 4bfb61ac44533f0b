//! Record results as CSV or JSON lines (`GET …/experiments/{id}/results?format=`).
//!
//! CSV has one row per record and trial: the result's own fields, then one column
//! per evaluator (`true`/`false`, a number, a category, or empty for not
//! applicable).
//! JSON lines hold each `RecordResult` whole, output reports included.

use std::collections::BTreeSet;

use tally_core::evaluators::MetricValue;
use tally_core::run::{RecordResult, RecordStatus};

const FIXED_COLUMNS: [&str; 17] = [
    "record_id",
    "trial",
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
    // The csv crate does the RFC 4180 quoting; CRLF row ends as spreadsheets expect.
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header = FIXED_COLUMNS
        .iter()
        .copied()
        .chain(evaluators.iter().copied())
        .map(str::to_string);
    write_row(&mut writer, header);
    for result in results {
        let error = result.error.as_ref();
        let fixed = [
            result.record_id.clone(),
            result.trial.to_string(),
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
        write_row(&mut writer, fixed.into_iter().chain(values));
    }
    // Writing into a Vec cannot fail, and every cell is a Rust string (valid UTF-8).
    writer
        .into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
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

fn write_row(writer: &mut csv::Writer<Vec<u8>>, cells: impl Iterator<Item = String>) {
    // A write into memory has no I/O to fail on; the only other error is a row of the
    // wrong length, and every row here has the header's columns.
    let _ = writer.write_record(cells.map(|cell| defuse_formula(&cell)));
}

/// A text cell that a spreadsheet would run as a formula (`=`, `+`, `@`, or `-` not
/// followed by a digit) gets a leading `'`: error messages and model versions come
/// from outside. Quoting is the csv writer's job.
fn defuse_formula(cell: &str) -> String {
    let formula = match cell.as_bytes() {
        [b'=' | b'+' | b'@' | b'\t' | b'\r', ..] => true,
        [b'-', next, ..] => !next.is_ascii_digit(),
        [b'-'] => true,
        _ => false,
    };
    if formula {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One cell as the exporter writes it: defused, then quoted by the csv writer.
    fn escape(cell: &str) -> String {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        write_row(&mut writer, std::iter::once(cell.to_string()));
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        text.strip_suffix("\r\n").unwrap().to_string()
    }

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
