//! Record results as a worker stores them, one JSON file each, for training the
//! dictionary that compresses stored results (`bench/result_dictionary.sh`).
//!
//! Each record of a dataset folder gets the result of a model that answered its
//! expected output (every seventh answer with one number wrong, as models do),
//! scored by every evaluator, with the call's usual bookkeeping.

use std::path::Path;

use chrono::{TimeDelta, Utc};
use tally_core::contract::TokenUsage;
use tally_core::dataset::DatasetRecord;
use tally_core::evaluators::{Outcome, evaluate_record};
use tally_core::run::{RecordResult, RecordStatus};

pub fn write_samples(folder: &Path, out: &Path) -> Result<usize, String> {
    let path = folder.join("records.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut written = 0;
    for (n, line) in text.lines().enumerate() {
        let record: DatasetRecord =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let json = serde_json::to_vec(&result_of(&record, n)).map_err(|e| e.to_string())?;
        let file = out.join(format!("{n:06}.json"));
        std::fs::write(&file, json).map_err(|e| format!("{}: {e}", file.display()))?;
        written += 1;
    }
    Ok(written)
}

fn result_of(record: &DatasetRecord, n: usize) -> RecordResult {
    let mut answer = serde_json::to_value(&record.expected_output).unwrap_or_default();
    if n.is_multiple_of(7)
        && let Some(good) = answer[0]["ballot_statistics"]["good_ballots"].as_u64()
    {
        answer[0]["ballot_statistics"]["good_ballots"] = (good + 1 + n as u64 % 9).into();
    }
    let reports = serde_json::from_value(answer).unwrap_or_else(|_| record.expected_output.clone());
    let outcome = Outcome::Reports(reports);
    let spread = (n as u64 * 7919) % 1000;
    RecordResult {
        record_id: record.id.clone(),
        trial: 0,
        status: RecordStatus::Succeeded,
        evaluations: evaluate_record(Some(&record.expected_output), &outcome),
        output: match outcome {
            Outcome::Reports(reports) => Some(reports),
            Outcome::Failed(_) => None,
        },
        error: None,
        latency_ms: 800 + spread * 3,
        tokens: TokenUsage {
            prompt: 1_800 + spread,
            output: 900 + spread / 2,
            thinking: 0,
            cached: 0,
        },
        cost_usd: Some((1_800 + spread) as f64 * 1e-7 + (900 + spread / 2) as f64 * 4e-7),
        attempts: 1 + u32::from(spread > 950),
        rate_limited: u32::from(spread > 980),
        model_version: Some("gemini-2.5-flash-lite-001".to_string()),
        finish_reason: Some("STOP".to_string()),
        emulated: false,
        cached: false,
        cached_cost_usd: None,
        worker: Some(format!("worker-{}", n % 4)),
        cpu_ms: None,
        ocr: None,
        finished_at: Utc::now() + TimeDelta::milliseconds(n as i64 * 37),
    }
}
