//! One record of a label set: its view (pages, draft, labels, lease, check) and the
//! label a labeller gives it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tally_core::contract::views::{CheckView, Decision, LabelRecordView, LabelView, LeaseView};
use tally_core::evaluators::check_reports;
use tally_core::extraction::{ExtractionError, Report, parse_report_value};
use tally_core::run::ExperimentId;
use tally_store::{ApiStore, LabelSet, LabelSetRecord, LabelWrite, Store};

use super::view::millis_to_time;
use crate::error::ApiError;
use crate::extract::json_object;

/// The record `id` of `set`, or 404.
pub fn find_record<'a>(set: &'a LabelSet, id: &str) -> Result<&'a LabelSetRecord, ApiError> {
    set.records.iter().find(|r| r.id == id).ok_or_else(|| {
        let shown: String = id.chars().take(100).collect();
        ApiError::not_found(format!("label set {} has no record {shown:?}", set.name))
    })
}

/// The pre-fill run's reports for the record; `None` without a run or an answer.
pub async fn draft(
    store: &Store,
    set: &LabelSet,
    id: &str,
) -> Result<Option<Vec<Report>>, ApiError> {
    let Some(prefill) = &set.prefill else {
        return Ok(None);
    };
    let Ok(experiment) = ExperimentId::parse(&prefill.experiment_id) else {
        return Ok(None);
    };
    Ok(store
        .record_result(&experiment, id, 0)
        .await?
        .and_then(|result| result.output))
}

/// The view of record `id` as `caller` sees it: the check is of the caller's last
/// label's reports, else of the draft.
pub async fn record_view(
    store: &Store,
    base_url: &str,
    set: &LabelSet,
    id: &str,
    caller: &str,
    now: DateTime<Utc>,
) -> Result<LabelRecordView, ApiError> {
    let record = find_record(set, id)?;
    let draft = draft(store, set, id).await?;
    let labels = store.labelset_labels(&set.name, id).await?;
    let lease = store
        .labelset_leases(&set.name, now)
        .await?
        .remove(id)
        .map(|lease| LeaseView {
            labeller: lease.labeller,
            expires_at: millis_to_time(lease.expires_ms),
        });
    let checked = labels
        .iter()
        .rev()
        .find(|l| l.labeller == caller && !l.reports.is_empty())
        .map(|l| l.reports.as_slice())
        .or(draft.as_deref());
    let check = checked.map(check_reports).unwrap_or_default();
    let page_urls = (1..=record.pages.len())
        .map(|n| {
            format!(
                "{base_url}/api/v1/labelsets/{}/records/{}/pages/{n}",
                set.name, record.id
            )
        })
        .collect();
    Ok(LabelRecordView {
        id: record.id.clone(),
        page_urls,
        draft_run_id: draft
            .as_ref()
            .and(set.prefill.as_ref())
            .map(|p| p.run_id.clone()),
        draft,
        labels,
        lease,
        check,
    })
}

/// The `reports` of a body: the extraction parser's reading, its errors located
/// under `reports`.
pub fn reports_of(value: Option<&Value>) -> Result<Option<Vec<Report>>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    parse_report_value(value.clone())
        .map(Some)
        .map_err(|error| match error {
            ExtractionError::BadReport { path, message } => {
                ApiError::invalid(format!("reports{}", bracketed(&path)), message)
            }
            other => ApiError::invalid("reports", other.to_string()),
        })
}

/// serde's path (`[0].ballot_statistics`, `.` for the root) as a suffix of `reports`.
fn bracketed(path: &str) -> String {
    match path {
        "." | "" => String::new(),
        _ if path.starts_with('[') => path.to_string(),
        _ => format!(".{path}"),
    }
}

/// A label as asked for, before it is checked and written.
pub struct LabelRequest {
    pub decision: Decision,
    pub reports: Option<Vec<Report>>,
    pub override_reason: Option<String>,
    pub note: Option<String>,
}

impl LabelRequest {
    pub fn from_json(body: &[u8]) -> Result<LabelRequest, ApiError> {
        let value = Value::Object(json_object(body)?);
        let decision = match value.get("decision").and_then(Value::as_str) {
            Some("accept") => Decision::Accept,
            Some("skip") => Decision::Skip,
            Some("flag") => Decision::Flag,
            _ => {
                return Err(ApiError::invalid(
                    "decision",
                    "is required: \"accept\", \"skip\" or \"flag\"",
                ));
            }
        };
        let text = |field: &'static str| -> Result<Option<String>, ApiError> {
            match value.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
                Some(Value::String(text)) if text.chars().count() <= 2000 => {
                    Ok(Some(text.trim().to_string()))
                }
                Some(Value::String(_)) => {
                    Err(ApiError::invalid(field, "is longer than 2000 characters"))
                }
                Some(_) => Err(ApiError::invalid(field, "must be a string")),
            }
        };
        let reports = reports_of(value.get("reports"))?;
        if decision == Decision::Accept && reports.is_none() {
            return Err(ApiError::invalid(
                "reports",
                "is required to accept: the record's reports as read",
            ));
        }
        Ok(LabelRequest {
            decision,
            reports,
            override_reason: text("override_reason")?,
            note: text("note")?,
        })
    }

    /// Checks and writes the label: an accept whose reports fail a rule needs an
    /// override reason; another's live lease is a 409.
    pub async fn write(
        self,
        store: &ApiStore,
        set: &LabelSet,
        id: &str,
        labeller: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        find_record(set, id)?;
        let reports = self.reports.unwrap_or_default();
        if self.decision == Decision::Accept {
            let CheckView { failures, .. } = check_reports(&reports);
            if !failures.is_empty() && self.override_reason.is_none() {
                return Err(ApiError::RuleOverrideRequired(failures));
            }
        }
        let draft = draft(store, set, id).await?;
        let label = LabelView {
            labeller: labeller.to_string(),
            decision: self.decision,
            from_draft: draft.is_some(),
            // Without a draft every report was typed: changed, when there are any.
            draft_changed: draft.as_ref().map_or(!reports.is_empty(), |d| {
                !reports.is_empty() && *d != reports
            }),
            reports,
            at: now,
            override_reason: self.override_reason,
            note: self.note,
        };
        match store.write_label(&set.name, id, &label, now).await? {
            LabelWrite::Written => Ok(()),
            LabelWrite::Held(lease) => Err(ApiError::Conflict(format!(
                "record {id} is leased by {} until {}; ask for another with …/next",
                lease.labeller,
                millis_to_time(lease.expires_ms).to_rfc3339()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_paths_become_report_paths() {
        assert_eq!(
            bracketed("[0].ballot_statistics.good_ballots"),
            "[0].ballot_statistics.good_ballots"
        );
        assert_eq!(bracketed("[1]"), "[1]");
        assert_eq!(bracketed("."), "");
    }
}
