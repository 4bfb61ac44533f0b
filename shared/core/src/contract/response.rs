//! What the API answers about runs: the final `ExperimentResponse` with one
//! `ExperimentSummary` per experiment, `RunAccepted` for `/run-async`, and
//! `RunStatus`.
//!
//! The fields of the old service keep their names and types. Our additions all have
//! serde defaults, so a response without them (from the old service, or stored
//! before a field existed) still parses.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::validate::FieldError;

/// The result of a whole run, once every experiment is final.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentResponse {
    #[schema(inline)]
    pub status: ResponseStatus,
    pub message: String,
    pub total_experiments: u64,
    pub successful_experiments: u64,
    pub failed_experiments: u64,
    pub experiments: Vec<ExperimentSummary>,
    pub dataset_name: String,
    /// Records in the dataset version the run used.
    pub dataset_size: u64,
    /// Records each experiment ran on: the request's `sample_size` capped at
    /// `dataset_size` (all of them without one). Responses stored before this field
    /// existed read as 0.
    #[serde(default)]
    #[schema(required = true)]
    pub sample_size: u64,
    pub project_name: String,
    /// The experiments side by side in our UI.
    #[schema(required = true)]
    pub comparison_url: Option<String>,
    #[schema(required = true)]
    pub dataset_id: Option<String>,
    /// The same comparison in Datadog, when the run was exported there.
    #[serde(default)]
    pub datadog_comparison_url: Option<String>,
    /// The fields of the request that were ignored (unknown ones), each by its path;
    /// only in the answer to the submission itself, and left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FieldError>,
}

/// `success` when every experiment succeeded, `partial` when some did, `failed` when
/// none did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResponseStatus {
    Success,
    Partial,
    Failed,
}

impl ResponseStatus {
    pub fn from_counts(successful: u64, total: u64) -> Self {
        match successful {
            0 => ResponseStatus::Failed,
            n if n >= total => ResponseStatus::Success,
            _ => ResponseStatus::Partial,
        }
    }
}

/// One experiment (model configuration) of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentSummary {
    pub experiment_id: String,
    pub experiment_name: String,
    /// The experiment in our UI (absolute).
    pub experiment_url: String,
    pub model: String,
    pub temperature: f64,
    #[schema(inline)]
    pub status: ExperimentStatus,
    pub total_records: u64,
    pub successful_records: u64,
    pub failed_records: u64,
    /// Mean over records of 0.2·exact_form_match + 0.4·ballot_accuracy_score +
    /// 0.4·vote_results_quality; a failed record counts as 0.
    pub overall_accuracy: f64,
    /// Share of records answered without error.
    pub success_rate: f64,
    pub avg_ballot_accuracy: f64,

    /// Mean `vote_results_quality`; `None` when not measured (e.g. no ground truth).
    #[serde(default)]
    pub avg_vote_results_quality: Option<f64>,
    /// Share of records whose form_info matched exactly; `None` when not measured.
    #[serde(default)]
    pub exact_form_match_rate: Option<f64>,
    /// Consistency rule name → share of records that pass it.
    #[serde(default)]
    pub consistency_pass_rates: BTreeMap<String, f64>,
    /// Model-call latency percentiles (nearest rank): exact below 1,024 ms, above it
    /// rounded down to 10 significant bits (at most 0.2 % low); `None` when no call
    /// was made.
    #[serde(default)]
    pub latency_ms: Option<LatencyPercentiles>,
    /// Tokens summed over all records.
    #[serde(default)]
    pub tokens: TokenUsage,
    /// Share of the prompt tokens served from Gemini's implicit cache (cached /
    /// prompt); `None` when no prompt tokens were counted.
    #[serde(default)]
    pub cache_hit_share: Option<f64>,
    /// Cost of the model calls in USD; `None` when the model has no configured price.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    /// Model calls repeated after a retryable failure.
    #[serde(default)]
    pub retries: u64,
    /// Records answered from the response cache (no model call, no cost); left out
    /// when none were, so responses without the cache keep their exact shape.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cache_hits: u64,
    /// What the cached answers cost when they were first made, in USD: the cost saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_saved_usd: Option<f64>,
    /// Failed records by error kind.
    #[serde(default)]
    pub errors_by_kind: BTreeMap<String, u64>,
    /// True when the answers came from gemini-emulator, not from Gemini.
    #[serde(default)]
    pub emulated: bool,
    /// Why the experiment failed or stopped, when it did.
    #[serde(default)]
    pub error: Option<String>,
    /// The experiment in Datadog, when the run was exported there.
    #[serde(default)]
    pub datadog_experiment_url: Option<String>,
    /// With more than one trial: each metric's mean and standard error across
    /// trials, how often a record's trials agree, and the least stable records.
    /// With trials, the counts above count record × trial results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<TrialSummary>,
}

/// How much an experiment's answers move from one trial to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrialSummary {
    /// Times every record was run.
    pub trials: u32,
    /// Summary metric (`overall_accuracy`, `success_rate`, …) → its value in each
    /// trial, their mean and the standard error of that mean.
    pub metrics: BTreeMap<String, TrialMetric>,
    /// Share of the compared records whose trials all gave the same answer (a
    /// failed trial's answer is "none"); `None` when no record has every trial.
    #[schema(required = true)]
    pub agreement_rate: Option<f64>,
    /// Records with a result in every trial: the agreement rate's denominator.
    pub records_compared: u64,
    /// Records whose trials disagree, least stable first (at most 10).
    pub least_stable: Vec<UnstableRecord>,
}

/// One metric across trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrialMetric {
    pub mean: f64,
    /// Sample standard deviation of `per_trial` over √trials.
    pub standard_error: f64,
    /// The metric in trial 0, 1, …
    pub per_trial: Vec<f64>,
}

/// A record whose trials did not all give the same answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UnstableRecord {
    pub record_id: String,
    /// Different answers among its trials (2 or more).
    pub distinct_answers: u32,
    /// Share of its trials that gave its most common answer.
    pub modal_share: f64,
    /// Its overall accuracy in trial 0, 1, … (`None` where not applicable).
    pub overall_accuracy: Vec<Option<f64>>,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

/// How one experiment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExperimentStatus {
    Success,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LatencyPercentiles {
    pub p50: f64,
    pub p95: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct TokenUsage {
    pub prompt: u64,
    /// Answer tokens (`candidatesTokenCount`), thinking excluded.
    pub output: u64,
    pub thinking: u64,
    /// Prompt tokens served from Gemini's implicit cache (part of `prompt`).
    #[serde(default)]
    pub cached: u64,
}

/// The answer of `POST /run-async`: the run is queued; `status_url` reports on it.
/// `task_id` is the old service's name for the id and equals `run_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunAccepted {
    #[schema(inline)]
    pub status: AcceptedStatus,
    pub message: String,
    /// Equals `run_id`.
    pub task_id: String,
    pub run_id: String,
    pub status_url: String,
    /// The fields of the request that were ignored (unknown ones), each by its path.
    #[serde(default)]
    #[schema(required = true)]
    pub warnings: Vec<FieldError>,
}

impl RunAccepted {
    pub fn new(run_id: impl Into<String>, status_url: impl Into<String>) -> Self {
        let run_id = run_id.into();
        let status_url = status_url.into();
        RunAccepted {
            status: AcceptedStatus::Accepted,
            message: format!("Experiment run {run_id} accepted; poll {status_url} for its status"),
            task_id: run_id.clone(),
            run_id,
            status_url,
            warnings: Vec::new(),
        }
    }
}

/// Always `"accepted"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AcceptedStatus {
    Accepted,
}

/// Where a run is: queued → running → succeeded | partial | failed | cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Queued,
    Running,
    Succeeded,
    Partial,
    Failed,
    Cancelled,
}

impl RunStatus {
    /// A final status never changes again.
    pub fn is_final(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
