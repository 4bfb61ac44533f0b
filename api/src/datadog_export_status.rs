//! A run's Datadog export as its status shows it (`datadog_export`: state,
//! attempts, last error, and per experiment the records exported, pending or
//! failed), read from the export's progress, and the last export's outcome, which
//! health reports.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tally_core::contract::views::{
    DatadogExportView, ExperimentBrief, ExperimentExportView, LastExport,
};

/// `None` when the run was never queued for export.
pub fn export_view(
    progress: &HashMap<String, String>,
    experiments: &[ExperimentBrief],
) -> Option<DatadogExportView> {
    let state = progress.get("state")?.clone();
    let last_error = progress.get("last_error").cloned();
    let experiments = experiments
        .iter()
        .map(|brief| {
            let key = format!("exp:{}", brief.experiment_id);
            // Every record with a result is sent: succeeded and failed alike.
            let records = brief.progress.done;
            let complete = progress.contains_key(&format!("{key}:final"));
            let sent = if complete {
                records
            } else {
                number(progress.get(&format!("{key}:sent"))).min(records)
            };
            let unsent = records - sent;
            let failed_for_good = state == "failed";
            ExperimentExportView {
                experiment_id: brief.experiment_id.clone(),
                datadog_experiment_id: progress.get(&key).cloned(),
                exported: sent,
                pending: if failed_for_good { 0 } else { unsent },
                failed: if failed_for_good { unsent } else { 0 },
                last_error: if complete { None } else { last_error.clone() },
            }
        })
        .collect();
    Some(DatadogExportView {
        attempts: number(progress.get("attempts")),
        ended_at: time(progress.get("ended_at")),
        last_error,
        state,
        experiments,
    })
}

/// The last export's outcome from its record (`tally_store::Store::last_export`).
pub fn last_export(record: &HashMap<String, String>) -> Option<LastExport> {
    let outcome = record.get("outcome")?.clone();
    Some(LastExport {
        succeeded: outcome == "exported",
        run_id: record.get("run_id").cloned().unwrap_or_default(),
        at: time(record.get("at"))?,
        error: record.get("error").filter(|e| !e.is_empty()).cloned(),
        outcome,
    })
}

fn number(text: Option<&String>) -> u64 {
    text.and_then(|t| t.parse().ok()).unwrap_or(0)
}

fn time(text: Option<&String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}
