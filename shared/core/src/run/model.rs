//! The records the pipeline keeps in the store, one JSON value each.
//!
//! A `RunRecord` and its `ExperimentRecord`s are written once when the run is created
//! and never change; what changes (status, counters, results) lives beside them in
//! the store, so concurrent writers never rewrite each other's JSON.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::contract::{
    CacheMode, DatasetName, Execution, ExperimentRequest, ExperimentStatus, ModelConfig, TokenUsage,
};
use crate::dataset::ContentHash;
use crate::evaluators::Evaluations;
use crate::extraction::Report;

use super::ids::{ExperimentId, RunId};

/// The dataset version a run uses, fixed when the run is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatasetPin {
    #[schema(value_type = String)]
    pub name: DatasetName,
    pub version: u64,
    /// Records in the version (not the sample).
    pub size: u64,
    #[schema(value_type = String)]
    pub content_hash: ContentHash,
}

/// Who asked for a run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Submitter {
    /// The name of the API key used (never the key itself).
    #[serde(default)]
    #[schema(required = true)]
    pub api_key_name: Option<String>,
    /// The schedule that created the run.
    #[serde(default)]
    #[schema(required = true)]
    pub schedule: Option<String>,
}

/// One submission, as accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: RunId,
    /// Serialised without the Datadog `api_key`: secrets are never stored.
    pub request: ExperimentRequest,
    pub dataset: DatasetPin,
    pub experiments: Vec<ExperimentId>,
    pub submitter: Submitter,
    pub created_at: DateTime<Utc>,
    /// The run this one retries the unsuccessful records of: always the first run of
    /// the chain, so a chain is one run and its retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_of: Option<RunId>,
}

/// One model configuration of a run, with everything a worker needs to execute it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentRecord {
    pub experiment_id: ExperimentId,
    pub run_id: RunId,
    /// Position in the request's `model_configs`.
    pub index: usize,
    pub name: String,
    pub config: ModelConfig,
    pub dataset: DatasetPin,
    /// Records in the sample: the first `total` records of the dataset version.
    pub total: u64,
    /// Records per chunk job.
    pub chunk_size: u64,
    /// Most model calls of this experiment in flight.
    pub jobs: u64,
    pub raise_errors: bool,
    /// How the model calls use the response cache, resolved at submission
    /// (`ModelConfig::cache_mode`); experiments stored before the cache existed read
    /// as `off`.
    #[serde(default = "cache_off")]
    pub cache: CacheMode,
    /// Online calls or Gemini's batch mode, resolved at submission
    /// (`ModelConfig::execution_mode`); older experiments read as online.
    #[serde(default)]
    pub execution: Execution,
    /// Set on the experiments of a retry: which records of the sample it executes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryScope>,
}

/// The records a retry's experiment executes: sample indices of the first run's
/// experiment that had not succeeded when the retry was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryScope {
    /// The experiment of the chain's first run this one completes.
    pub experiment_id: ExperimentId,
    /// Positions in the sample, ascending; `total` is their count.
    pub indices: Vec<u64>,
}

fn cache_off() -> CacheMode {
    CacheMode::Off
}

impl ExperimentRecord {
    pub fn chunk_count(&self) -> u64 {
        self.total.div_ceil(self.chunk_size.max(1))
    }

    /// The sample indices `[start, end)` of one chunk.
    pub fn chunk_range(&self, chunk: u64) -> (u64, u64) {
        let start = chunk.saturating_mul(self.chunk_size).min(self.total);
        (start, start.saturating_add(self.chunk_size).min(self.total))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    Succeeded,
    Failed,
}

/// Why a record failed: a stable `kind` to count by, and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordError {
    pub kind: String,
    pub message: String,
}

/// The outcome of one record of one experiment; written once, never rewritten.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordResult {
    pub record_id: String,
    #[schema(inline)]
    pub status: RecordStatus,
    /// The reports the model returned (absent when it failed or was unparsable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub output: Option<Vec<Report>>,
    /// Evaluator name → true/false, a score in [0, 1], a category, or null.
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub evaluations: Evaluations,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(inline)]
    pub error: Option<RecordError>,
    /// Wall time of the model call, retries included.
    pub latency_ms: u64,
    #[serde(default)]
    pub tokens: TokenUsage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Model calls made for this record (1 when the first call answered).
    pub attempts: u32,
    /// Of those, how many were answered with 429.
    #[serde(default)]
    pub rate_limited: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    #[serde(default)]
    pub emulated: bool,
    /// Answered from the response cache: no model call was made and it cost nothing
    /// (`cost_usd` is 0); tokens and model version are those of the original call.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    /// For a cached answer, what the original call cost (USD): the cost saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_cost_usd: Option<f64>,
    /// The worker that wrote the result (`TALLY_WORKER_NAME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// CPU time the model spent on this record, when it ran on the worker's machine
    /// (the local OCR model); a remote model's CPU time is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<u64>,
    /// What the local OCR model read, for inspection in the record drill-down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr: Option<OcrTrace>,
    pub finished_at: DateTime<Utc>,
}

/// The local OCR model's reading of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OcrTrace {
    /// Each page's text as read, line by line.
    pub pages: Vec<String>,
    /// Per number (`Constituency.ballot_statistics.good_ballots`,
    /// `PartyList.vote_results[3].vote_count`): which reading decided it —
    /// `agree`, `digits`, `words`, `arithmetic_digits`, `arithmetic_words`,
    /// `words_preferred` or `derived`.
    pub sources: BTreeMap<String, String>,
}

impl RecordResult {
    pub fn retries(&self) -> u32 {
        self.attempts.saturating_sub(1)
    }
}

/// Live counters of one experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    pub total: u64,
    /// Records with a result, succeeded or failed.
    pub done: u64,
    pub failed: u64,
    pub retries: u64,
    pub rate_limited: u64,
}

impl Progress {
    pub fn is_complete(&self) -> bool {
        self.done >= self.total
    }
}

/// Where an experiment is: pending → running → success | failed | cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExperimentPhase {
    Pending,
    Running,
    Success,
    Failed,
    Cancelled,
}

impl ExperimentPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            ExperimentPhase::Pending => "pending",
            ExperimentPhase::Running => "running",
            ExperimentPhase::Success => "success",
            ExperimentPhase::Failed => "failed",
            ExperimentPhase::Cancelled => "cancelled",
        }
    }

    /// The final status, once there is one.
    pub fn final_status(self) -> Option<ExperimentStatus> {
        match self {
            ExperimentPhase::Pending | ExperimentPhase::Running => None,
            ExperimentPhase::Success => Some(ExperimentStatus::Success),
            ExperimentPhase::Failed => Some(ExperimentStatus::Failed),
            ExperimentPhase::Cancelled => Some(ExperimentStatus::Cancelled),
        }
    }
}

impl From<ExperimentStatus> for ExperimentPhase {
    fn from(status: ExperimentStatus) -> Self {
        match status {
            ExperimentStatus::Success => ExperimentPhase::Success,
            ExperimentStatus::Failed => ExperimentPhase::Failed,
            ExperimentStatus::Cancelled => ExperimentPhase::Cancelled,
        }
    }
}
