//! Runs: the status of one, the list, and the answer to a cancel.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DatadogExportView, ProgressView, RedisState};
use crate::contract::{AcceptedStatus, ExperimentResponse, RunStatus};
use crate::run::{BatchProgress, DatasetPin, ExperimentPhase, Submitter};

/// One experiment of a run, as the run status lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentBrief {
    pub experiment_id: String,
    pub experiment_name: String,
    pub model: String,
    pub temperature: f64,
    #[schema(inline)]
    pub status: ExperimentPhase,
    pub progress: ProgressView,
    /// Why `raise_errors` stopped it, when it did.
    #[schema(required = true)]
    pub error: Option<String>,
    /// What it waits for, when it waits ("waiting for the daily quota until
    /// 2026-12-02T08:00:00Z").
    #[schema(required = true)]
    pub waiting: Option<String>,
    /// A batch-mode experiment's batches ("batch running: 12 of 40 answered");
    /// absent for online execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub batch: Option<BatchProgress>,
    pub experiment_url: String,
    pub detail_url: String,
}

/// `GET /api/v1/experiments/runs/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = RunStatus)]
pub struct RunStatusView {
    pub run_id: String,
    #[schema(inline)]
    pub status: RunStatus,
    pub progress: ProgressView,
    pub experiments: Vec<ExperimentBrief>,
    /// The run's `ExperimentResponse`, set once the run is final.
    #[schema(required = true)]
    pub result: Option<ExperimentResponse>,
    pub cancel_requested: bool,
    pub dataset: DatasetPin,
    pub submitter: Submitter,
    pub created_at: DateTime<Utc>,
    #[schema(required = true)]
    pub started_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub finished_at: Option<DateTime<Utc>>,
    pub status_url: String,
    pub run_url: String,
    /// On a retry: the chain's first run, which it completes.
    #[schema(required = true)]
    pub retry_of: Option<RunLink>,
    /// On a first run: its retries, oldest first.
    pub retries: Vec<RunLink>,
    /// Once every run of a chain with retries is final: the first run's
    /// `ExperimentResponse` recomputed over the whole chain, each record counted once,
    /// its latest attempt winning.
    #[schema(required = true)]
    pub combined_result: Option<ExperimentResponse>,
    /// Why a run that is not final makes no progress, while it makes none; else `null`.
    #[schema(required = true)]
    pub stalled: Option<Stall>,
    /// The run's Datadog export; `null` when it was never queued for one.
    #[serde(default)]
    #[schema(required = true)]
    pub datadog_export: Option<DatadogExportView>,
}

/// Why a run is stalled: the store refuses the writes its workers must make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Stall {
    /// `out_of_memory`, `read_only`, `loading` or `unreachable`.
    #[schema(inline)]
    pub condition: RedisState,
    pub reason: String,
    /// When the API first saw the store refuse writes.
    #[schema(required = true)]
    pub since: Option<DateTime<Utc>>,
}

/// Another run of a retry chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunLink {
    pub run_id: String,
    /// `null` once the run's retention has ended (its status answers 404).
    #[schema(required = true, inline)]
    pub status: Option<RunStatus>,
    pub status_url: String,
    pub run_url: String,
}

/// The 202 answer of `POST /api/v1/experiments/runs/{id}/retry`: the child run, as
/// `run-async` answers a new run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RetryAccepted {
    #[schema(inline)]
    pub status: AcceptedStatus,
    pub message: String,
    /// The child run (also as `run_id`, as `run-async` answers).
    pub task_id: String,
    pub run_id: String,
    /// The chain's first run, whose result the child completes.
    pub retry_of: String,
    /// Record × trial pairs the child executes (records, with one trial), per
    /// experiment in request order.
    pub records: Vec<u64>,
    pub status_url: String,
    pub run_url: String,
}

/// One line of the run list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunSummaryView {
    pub run_id: String,
    #[schema(inline)]
    pub status: RunStatus,
    pub progress: ProgressView,
    pub dataset_name: String,
    pub dataset_version: u64,
    pub experiments: usize,
    #[schema(required = true)]
    pub api_key_name: Option<String>,
    #[schema(required = true)]
    pub schedule: Option<String>,
    pub created_at: DateTime<Utc>,
    #[schema(required = true)]
    pub finished_at: Option<DateTime<Utc>>,
    pub status_url: String,
    /// On a retry: the chain's first run.
    #[schema(required = true)]
    pub retry_of: Option<String>,
}

/// `GET /api/v1/experiments/runs`: a page of runs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunList {
    pub runs: Vec<RunSummaryView>,
    pub offset: usize,
    pub limit: usize,
    /// Pass as `offset` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_offset: Option<usize>,
}

/// `POST /api/v1/experiments/runs/{id}/cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CancelAnswer {
    pub run_id: String,
    #[schema(inline)]
    pub status: RunStatus,
    pub cancel_requested: bool,
    pub message: String,
    pub status_url: String,
}
