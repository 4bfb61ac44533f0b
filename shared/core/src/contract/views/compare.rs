//! `GET /api/v1/experiments/compare`: experiments side by side, the records they
//! disagree on, and a paired bootstrap interval per pair.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ProgressView;
use crate::contract::ExperimentSummary;
use crate::run::ExperimentPhase;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comparison {
    pub experiments: Vec<ComparedExperiment>,
    /// Records answered by every compared experiment.
    pub shared_records: usize,
    pub differences_total: usize,
    /// Records where the experiments disagree, by record id (at most 1000).
    pub differences: Vec<RecordDifference>,
    /// One entry per pair (a before b in `ids` order).
    pub pairs: Vec<PairComparison>,
    /// How accuracy and the interval are computed, in words.
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ComparedExperiment {
    pub experiment_id: String,
    pub run_id: String,
    pub experiment_name: String,
    pub model: String,
    pub temperature: f64,
    #[schema(inline)]
    pub status: ExperimentPhase,
    pub progress: ProgressView,
    /// The final summary, once the experiment is final.
    #[schema(required = true)]
    pub summary: Option<ExperimentSummary>,
    pub detail_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordDifference {
    pub record_id: String,
    /// One per compared experiment, in `ids` order.
    pub answers: Vec<RecordAnswer>,
    /// Report fields whose values differ between answers (relative to the first
    /// experiment that answered), e.g. `PartyList.ballot_statistics.good_ballots`.
    pub differing_fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordAnswer {
    pub experiment_id: String,
    #[schema(inline)]
    pub status: RecordAnswerStatus,
    /// 0.2·exact_form_match + 0.4·ballot_accuracy_score + 0.4·vote_results_quality.
    #[schema(required = true)]
    pub overall_accuracy: Option<f64>,
    #[schema(required = true)]
    pub error_kind: Option<String>,
}

/// What one experiment has for a record: a result that succeeded, one that failed,
/// or none yet (or skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordAnswerStatus {
    Succeeded,
    Failed,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PairComparison {
    pub a: String,
    pub b: String,
    /// Records both answered with an accuracy (the bootstrap's sample).
    pub shared_records: usize,
    #[schema(required = true)]
    pub accuracy_a: Option<f64>,
    #[schema(required = true)]
    pub accuracy_b: Option<f64>,
    /// `accuracy_a − accuracy_b` over the shared records.
    #[schema(required = true)]
    pub difference: Option<f64>,
    #[schema(required = true, inline)]
    pub ci95: Option<Interval>,
    /// True when the interval excludes 0.
    pub significant: bool,
    pub verdict: String,
    pub resamples: usize,
    pub seed: u64,
}

/// A 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains_zero(&self) -> bool {
        self.low <= 0.0 && 0.0 <= self.high
    }
}
