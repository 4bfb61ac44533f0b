//! Runs: the status of one, the list, and the answer to a cancel.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ProgressView;
use crate::contract::{ExperimentResponse, RunStatus};
use crate::run::{DatasetPin, ExperimentPhase, Submitter};

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
