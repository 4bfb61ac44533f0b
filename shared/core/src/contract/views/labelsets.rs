//! Label sets: scans being labelled by people, their records, labels and progress,
//! the live consistency check, and a publish's outcome.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extraction::Report;

/// A pre-fill run over a label set: its drafts are that run's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrefillView {
    pub run_id: String,
    /// The run's state (`queued`, `running`, `completed`, …).
    pub state: String,
}

/// One label set in the list: its counters by the state of its records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelSetSummary {
    pub name: String,
    /// Number of records.
    pub records: u64,
    pub accepted: u64,
    pub skipped: u64,
    pub flagged: u64,
    /// Records leased to a labeller right now.
    pub in_progress: u64,
    pub created_at: DateTime<Utc>,
    /// The API key name that created it.
    pub created_by: String,
    pub prefill: Option<PrefillView>,
}

/// `GET /api/v1/labelsets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelSetList {
    pub labelsets: Vec<LabelSetSummary>,
}

/// Where a record stands. A record's state follows its latest labels: `accepted`,
/// `skipped` or `flagged` as the last label decided (`disagreement` when two
/// labellers accepted different reports); `leased` while someone holds it
/// unlabelled; `open` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    Open,
    Leased,
    Accepted,
    Skipped,
    Flagged,
    Disagreement,
}

/// One record in a label set's detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelSetRecordBrief {
    pub id: String,
    /// Number of pages.
    pub pages: u32,
    #[schema(inline)]
    pub state: RecordState,
    /// Number of labels given (every decision counts).
    pub labels: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leased_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_expires_at: Option<DateTime<Utc>>,
}

/// One labeller's decisions in a label set (the latest decision per record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabellerProgress {
    pub labeller: String,
    pub accepted: u64,
    pub skipped: u64,
    pub flagged: u64,
}

/// A record two or more labellers accepted with different reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Disagreement {
    pub record_id: String,
    pub labellers: Vec<String>,
    /// Where the accepted reports differ, in form order, as the live check names
    /// fields and in the reports of the first labeller listed:
    /// `reports[0].ballot_statistics.good_ballots`, `reports[0].vote_results[2]` (a
    /// row the others lack), `reports[0].vote_results` (a row only another gave),
    /// `reports[1]` (a report the others lack), `reports` (one only another gave).
    pub fields: Vec<String>,
}

/// One publish of a label set as a dataset version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublishedVersion {
    pub dataset: String,
    pub version: u64,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// `GET /api/v1/labelsets/{name}` and `POST /api/v1/labelsets` (201).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelSetView {
    pub name: String,
    pub records: Vec<LabelSetRecordBrief>,
    pub accepted: u64,
    pub skipped: u64,
    pub flagged: u64,
    pub in_progress: u64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub prefill: Option<PrefillView>,
    pub labellers: Vec<LabellerProgress>,
    pub disagreements: Vec<Disagreement>,
    pub published: Vec<PublishedVersion>,
}

/// `POST /api/v1/labelsets/{name}/prefill` (202).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrefillAccepted {
    pub run_id: String,
}

/// `POST /api/v1/labelsets/{name}/next` (200).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeaseGranted {
    pub record_id: String,
    pub lease_expires_at: DateTime<Utc>,
}

/// A labeller's decision on a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Skip,
    Flag,
}

/// One label, as kept in the record's append-only audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelView {
    pub labeller: String,
    #[schema(inline)]
    pub decision: Decision,
    /// The reports accepted (empty for skip and flag without reports).
    #[schema(value_type = Vec<Object>)]
    pub reports: Vec<Report>,
    pub at: DateTime<Utc>,
    /// Whether the record had a draft when it was labelled.
    pub from_draft: bool,
    /// Whether the labelled reports differ from the draft (true when there was none).
    pub draft_changed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Who holds a record right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeaseView {
    pub labeller: String,
    pub expires_at: DateTime<Utc>,
}

/// One failing (or, for rule 4, warning) consistency rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RuleFailure {
    /// The evaluator's name (`consistency_ballot_split`, …).
    pub rule: String,
    pub message: String,
    /// The field paths it concerns (`reports[0].ballot_statistics.ballots_used`).
    pub fields: Vec<String>,
}

/// A number of the reports with its Thai words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NumberWords {
    pub field: String,
    pub value: u64,
    pub thai_words: String,
}

/// The consistency rules over a record's reports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct CheckView {
    pub failures: Vec<RuleFailure>,
    /// Rule 4 (turnout match): a known real-world anomaly, never a failure.
    pub warnings: Vec<RuleFailure>,
    pub numbers: Vec<NumberWords>,
}

/// `GET /api/v1/labelsets/{name}/records/{id}` and the label answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelRecordView {
    pub id: String,
    pub page_urls: Vec<String>,
    /// The pre-fill run's reports for this record; `null` without one.
    #[schema(value_type = Option<Vec<Object>>)]
    pub draft: Option<Vec<Report>>,
    pub draft_run_id: Option<String>,
    /// Every label given, oldest first.
    pub labels: Vec<LabelView>,
    pub lease: Option<LeaseView>,
    /// The check of the caller's last label's reports, else of the draft.
    pub check: CheckView,
}

/// `POST /api/v1/labelsets/{name}/publish` (201): one record left out and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeftOut {
    pub record_id: String,
    pub reason: String,
}

/// `POST /api/v1/labelsets/{name}/publish` (201).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublishOutcome {
    pub dataset: String,
    pub version: u64,
    /// Records in the version.
    pub records: u64,
    pub left_out: Vec<LeftOut>,
}
