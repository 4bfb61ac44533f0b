//! How `tally labelset list` and `show` print a label set for people: a line per
//! set; for one set its counters, pre-fill run, labellers, disagreements (the
//! paths the workbench goes to), published versions and every record's state.

use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use tally_core::contract::views::{
    LabelSetRecordBrief, LabelSetSummary, LabelSetView, PrefillView, RecordState,
};

/// One set in the list: `scans  3/10 decided (accepted 2, skipped 0, flagged 1), 1 leased`.
pub fn summary_line(set: &LabelSetSummary) -> String {
    let decided = set.accepted + set.skipped + set.flagged;
    let mut line = format!(
        "{:<30} {decided}/{} decided (accepted {}, skipped {}, flagged {}), {} leased",
        set.name, set.records, set.accepted, set.skipped, set.flagged, set.in_progress
    );
    if let Some(prefill) = &set.prefill {
        line += &format!(", {}", prefill_text(prefill));
    }
    line
}

fn prefill_text(prefill: &PrefillView) -> String {
    format!("pre-fill run {} ({})", prefill.run_id, prefill.state)
}

/// As the API writes times (RFC 3339, UTC, `Z`).
fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn state_name(state: RecordState) -> &'static str {
    match state {
        RecordState::Open => "open",
        RecordState::Leased => "leased",
        RecordState::Accepted => "accepted",
        RecordState::Skipped => "skipped",
        RecordState::Flagged => "flagged",
        RecordState::Disagreement => "disagreement",
    }
}

/// The whole of `show`. Writing to a `String` cannot fail, hence the ignored results.
pub fn detail(set: &LabelSetView) -> String {
    let mut out = String::new();
    let count = |state: RecordState| set.records.iter().filter(|r| r.state == state).count();
    let _ = writeln!(
        out,
        "label set {}: {} records, created {} by {}",
        set.name,
        set.records.len(),
        time(set.created_at),
        set.created_by
    );
    let _ = writeln!(
        out,
        "  accepted {}, skipped {}, flagged {}, disagreement {}, leased {}, open {}",
        set.accepted,
        set.skipped,
        set.flagged,
        count(RecordState::Disagreement),
        count(RecordState::Leased),
        count(RecordState::Open)
    );
    match &set.prefill {
        Some(prefill) => {
            let _ = writeln!(out, "  {}", prefill_text(prefill));
        }
        None => {
            let _ = writeln!(out, "  no pre-fill run: records start without a draft");
        }
    }
    if !set.labellers.is_empty() {
        let _ = writeln!(out, "labellers:");
        for labeller in &set.labellers {
            let _ = writeln!(
                out,
                "  {:<24} accepted {}, skipped {}, flagged {}",
                labeller.labeller, labeller.accepted, labeller.skipped, labeller.flagged
            );
        }
    }
    if !set.disagreements.is_empty() {
        let _ = writeln!(out, "disagreements:");
        for disagreement in &set.disagreements {
            let _ = writeln!(
                out,
                "  {}: {} differ at {}",
                disagreement.record_id,
                disagreement.labellers.join(" vs "),
                disagreement.fields.join(", ")
            );
        }
    }
    if !set.published.is_empty() {
        let _ = writeln!(out, "published:");
        for version in &set.published {
            let _ = writeln!(
                out,
                "  {} version {} at {} by {}",
                version.dataset,
                version.version,
                time(version.at),
                version.by
            );
        }
    }
    let _ = writeln!(out, "records:");
    for record in &set.records {
        let _ = writeln!(out, "  {}", record_line(record));
    }
    out
}

/// `unit-01  2 pages  leased        0 labels  leased by anna until …`.
fn record_line(record: &LabelSetRecordBrief) -> String {
    let mut line = format!(
        "{:<24} {:>3} page{} {:<12} {} label{}",
        record.id,
        record.pages,
        if record.pages == 1 { " " } else { "s" },
        state_name(record.state),
        record.labels,
        if record.labels == 1 { "" } else { "s" }
    );
    if let (Some(who), Some(until)) = (&record.leased_by, record.lease_expires_at) {
        line += &format!("  leased by {who} until {}", time(until));
    }
    line
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_set_shows_its_states_labellers_disagreements_and_versions() {
        let set: LabelSetView = serde_json::from_value(json!({
            "name": "scans",
            "records": [
                {"id": "unit-01", "pages": 2, "state": "accepted", "labels": 2},
                {"id": "unit-02", "pages": 1, "state": "disagreement", "labels": 2},
                {"id": "unit-03", "pages": 2, "state": "leased", "labels": 0,
                 "leased_by": "anna", "lease_expires_at": "2026-12-01T10:10:00Z"}
            ],
            "accepted": 1, "skipped": 0, "flagged": 0, "in_progress": 1,
            "created_at": "2026-12-01T09:00:00Z", "created_by": "anna",
            "prefill": {"run_id": "run_1", "state": "succeeded"},
            "labellers": [{"labeller": "anna", "accepted": 2, "skipped": 0, "flagged": 0}],
            "disagreements": [{"record_id": "unit-02", "labellers": ["anna", "ben"],
                               "fields": ["reports[0].vote_results[0].vote_count"]}],
            "published": [{"dataset": "checked", "version": 1,
                           "at": "2026-12-01T11:00:00Z", "by": "ops"}]
        }))
        .unwrap();
        let text = detail(&set);
        for line in [
            "label set scans: 3 records, created 2026-12-01T09:00:00Z by anna",
            "  accepted 1, skipped 0, flagged 0, disagreement 1, leased 1, open 0",
            "  pre-fill run run_1 (succeeded)",
            "  anna                     accepted 2, skipped 0, flagged 0",
            "  unit-02: anna vs ben differ at reports[0].vote_results[0].vote_count",
            "  checked version 1 at 2026-12-01T11:00:00Z by ops",
            "  unit-03                    2 pages leased       0 labels  leased by anna until 2026-12-01T10:10:00Z",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in:\n{text}");
        }
    }
}
