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
    CacheMode, DatasetName, Execution, ExperimentRequest, ExperimentStatus, ModelConfig,
    OnDailyQuota, TokenUsage,
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
    /// Times every record is run (`ModelConfig::trials`); experiments stored before
    /// trials existed read as 1.
    #[serde(default = "one_trial")]
    pub trials: u32,
    /// Online calls or Gemini's batch mode, resolved at submission
    /// (`ModelConfig::execution_mode`); older experiments read as online.
    #[serde(default)]
    pub execution: Execution,
    /// Whether a used-up daily quota waits or fails the experiment; experiments
    /// stored before the choice existed wait.
    #[serde(default)]
    pub on_daily_quota: OnDailyQuota,
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
    /// With trials: for each entry of `indices`, the trials it runs again
    /// (ascending). Empty = every trial of every index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trials: Vec<Vec<u32>>,
}

/// One model call of an experiment: a record of the sample, at one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unit {
    /// Position in the sample.
    pub position: u64,
    /// 0 to `trials - 1`.
    pub trial: u32,
}

fn cache_off() -> CacheMode {
    CacheMode::Off
}

/// The trials of anything stored or answered before trials existed.
pub fn one_trial() -> u32 {
    1
}

impl ExperimentRecord {
    /// Model calls (record × trial) the experiment makes: what its progress counts.
    pub fn units(&self) -> u64 {
        match &self.retry {
            Some(scope) if !scope.trials.is_empty() => {
                scope.trials.iter().map(|trials| trials.len() as u64).sum()
            }
            _ => self.total.saturating_mul(u64::from(self.trials.max(1))),
        }
    }

    pub fn chunk_count(&self) -> u64 {
        self.units().div_ceil(self.chunk_size.max(1))
    }

    /// The units of one chunk: the `chunk_size` units from `chunk × chunk_size` in
    /// record-major order (all trials of a record, then the next record), so a
    /// chunk reads few records. For a retry, positions are the sample's, in the
    /// order of its scope.
    pub fn chunk_units(&self, chunk: u64) -> Vec<Unit> {
        let units = self.units();
        let start = chunk.saturating_mul(self.chunk_size).min(units);
        let end = start.saturating_add(self.chunk_size).min(units);
        let trials = self.trials.max(1);
        match &self.retry {
            Some(scope) if !scope.trials.is_empty() => scope
                .indices
                .iter()
                .zip(&scope.trials)
                .flat_map(|(&position, trials)| {
                    trials.iter().map(move |&trial| Unit { position, trial })
                })
                .skip(start as usize)
                .take((end - start) as usize)
                .collect(),
            retry => (start..end)
                .filter_map(|unit| {
                    let index = unit / u64::from(trials);
                    let position = match retry {
                        Some(scope) => *scope.indices.get(index as usize)?,
                        None => index,
                    };
                    Some(Unit {
                        position,
                        trial: (unit % u64::from(trials)) as u32,
                    })
                })
                .collect(),
        }
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
    /// Which run of the record this is, 0 to `trials - 1` (left out when 0).
    #[serde(default, skip_serializing_if = "is_first_trial")]
    pub trial: u32,
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

fn is_first_trial(trial: &u32) -> bool {
    *trial == 0
}

/// Separates a record id from its trial in a result key: a control character,
/// which no record id may contain, so two keys never collide.
const TRIAL_SEPARATOR: char = '\u{1f}';

/// The key a result is stored under: the record id for trial 0 (the layout from
/// before trials, so stored results need no migration), else the record id, the
/// separator and the trial.
pub fn result_key(record_id: &str, trial: u32) -> String {
    if trial == 0 {
        record_id.to_string()
    } else {
        format!("{record_id}{TRIAL_SEPARATOR}{trial}")
    }
}

impl RecordResult {
    pub fn retries(&self) -> u32 {
        self.attempts.saturating_sub(1)
    }

    /// Where this result is stored (`result_key`).
    pub fn key(&self) -> String {
        result_key(&self.record_id, self.trial)
    }
}

/// Live counters of one experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Model calls to make: records × trials.
    pub total: u64,
    /// Record × trial pairs with a result, succeeded or failed.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::summary::tests::experiment;

    fn units(experiment: &ExperimentRecord) -> Vec<Vec<(u64, u32)>> {
        (0..experiment.chunk_count())
            .map(|chunk| {
                experiment
                    .chunk_units(chunk)
                    .into_iter()
                    .map(|u| (u.position, u.trial))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn chunks_cut_record_trial_pairs_record_by_record() {
        let mut first = experiment(3);
        first.trials = 2;
        first.chunk_size = 4;
        assert_eq!(first.units(), 6);
        assert_eq!(
            units(&first),
            [vec![(0, 0), (0, 1), (1, 0), (1, 1)], vec![(2, 0), (2, 1)]]
        );
        // One trial: the positions of the sample, as before trials.
        first.trials = 1;
        first.chunk_size = 2;
        assert_eq!(units(&first), [vec![(0, 0), (1, 0)], vec![(2, 0)]]);
    }

    #[test]
    fn a_retry_runs_the_pairs_of_its_scope() {
        let mut retry = experiment(2);
        retry.trials = 3;
        retry.chunk_size = 2;
        retry.retry = Some(RetryScope {
            experiment_id: ExperimentId::generate(),
            indices: vec![4, 9],
            trials: vec![vec![1], vec![0, 2]],
        });
        assert_eq!(retry.units(), 3);
        assert_eq!(units(&retry), [vec![(4, 1), (9, 0)], vec![(9, 2)]]);
        // A scope stored before trials: every trial of each position.
        if let Some(scope) = retry.retry.as_mut() {
            scope.trials.clear();
        }
        retry.trials = 1;
        assert_eq!(units(&retry), [vec![(4, 0), (9, 0)]]);
    }

    /// Every unit of the experiment in execution order: what the chunks, one after
    /// the other, must cover exactly once.
    fn every_unit(experiment: &ExperimentRecord) -> Vec<(u64, u32)> {
        let trials = experiment.trials.max(1);
        match &experiment.retry {
            Some(scope) if !scope.trials.is_empty() => scope
                .indices
                .iter()
                .zip(&scope.trials)
                .flat_map(|(&p, trials)| trials.iter().map(move |&t| (p, t)))
                .collect(),
            Some(scope) => scope
                .indices
                .iter()
                .flat_map(|&p| (0..trials).map(move |t| (p, t)))
                .collect(),
            None => (0..experiment.total)
                .flat_map(|p| (0..trials).map(move |t| (p, t)))
                .collect(),
        }
    }

    /// A retry of the first `total` records: every position but each third, and
    /// with `by_trial` a different set of trials per position.
    fn retry_scope(total: u64, trials: u32, by_trial: bool) -> RetryScope {
        let indices: Vec<u64> = (0..total).filter(|p| p % 3 != 1).collect();
        let trials = match by_trial {
            false => Vec::new(),
            true => indices
                .iter()
                .map(|&p| {
                    (0..trials)
                        .filter(|&t| {
                            u64::from(t) == p % u64::from(trials) || (p + u64::from(t)) % 4 == 0
                        })
                        .collect()
                })
                .collect(),
        };
        RetryScope {
            experiment_id: ExperimentId::generate(),
            indices,
            trials,
        }
    }

    #[test]
    fn chunks_cover_every_unit_once_for_any_size() {
        for total in [0, 1, 2, 7, 24, 25, 26, 99, 100, 101, 613, 1_000, 4_097] {
            for chunk_size in [1, 2, 3, 5, 10, 25, 64, 200] {
                for trials in [1, 2, 3] {
                    for retry in [None, Some(false), Some(true)] {
                        let mut experiment = experiment(total);
                        experiment.chunk_size = chunk_size;
                        experiment.trials = trials;
                        if let Some(by_trial) = retry {
                            let scope = retry_scope(total, trials, by_trial);
                            experiment.total = scope.indices.len() as u64;
                            experiment.retry = Some(scope);
                        }
                        let case = format!(
                            "{total} records, chunks of {chunk_size}, {trials} trials, retry {retry:?}"
                        );
                        let chunks = units(&experiment);
                        assert!(
                            chunks.iter().all(|units| !units.is_empty()),
                            "an empty chunk: {case}"
                        );
                        assert!(
                            chunks.iter().all(|units| units.len() as u64 <= chunk_size),
                            "a chunk over its size: {case}"
                        );
                        let covered: Vec<(u64, u32)> = chunks.concat();
                        assert_eq!(covered, every_unit(&experiment), "{case}");
                        assert_eq!(covered.len() as u64, experiment.units(), "{case}");
                        // Past the last chunk there is nothing, as a stale job would find.
                        assert!(
                            experiment.chunk_units(experiment.chunk_count()).is_empty(),
                            "{case}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn results_of_trial_0_keep_the_key_from_before_trials() {
        assert_eq!(result_key("unit-01", 0), "unit-01");
        assert_eq!(result_key("unit-01", 2), "unit-01\u{1f}2");
        assert_ne!(result_key("unit-0", 11), result_key("unit-01", 1));
    }
}
