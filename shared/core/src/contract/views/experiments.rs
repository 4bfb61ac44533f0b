//! One experiment: its detail and a page of its per-record results.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ProgressView;
use crate::contract::{ExperimentSummary, ModelConfig};
use crate::run::{BatchProgress, DatasetPin, ExperimentPhase, RecordResult};

/// `GET /api/v1/experiments/experiments/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentDetail {
    pub experiment_id: String,
    pub run_id: String,
    pub experiment_name: String,
    /// Position in the run's `model_configs`.
    pub index: usize,
    pub config: ModelConfig,
    pub dataset: DatasetPin,
    /// Times every record is run (the configuration's `trials`, else the
    /// request's); progress and results count record × trial.
    #[serde(default = "crate::run::one_trial")]
    pub trials: u32,
    #[schema(inline)]
    pub status: ExperimentPhase,
    pub progress: ProgressView,
    #[schema(required = true)]
    pub error: Option<String>,
    /// The final summary, once the experiment is final.
    #[schema(required = true)]
    pub summary: Option<ExperimentSummary>,
    #[schema(required = true)]
    pub started_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub finished_at: Option<DateTime<Utc>>,
    /// A batch-mode experiment's batches; absent for online execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub batch: Option<BatchProgress>,
    pub experiment_url: String,
    pub results_url: String,
    pub run_status_url: String,
    /// On an experiment of a retry: the experiment it completes and the records it
    /// executes; `null` on a first run's experiment.
    #[schema(required = true)]
    pub retry: Option<RetryScopeView>,
}

/// Which records an experiment of a retry executes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RetryScopeView {
    /// The experiment of the chain's first run that this one completes.
    pub experiment_id: String,
    pub experiment_url: String,
    pub detail_url: String,
    /// Positions in the sample (from 0, ascending) of the records that had not
    /// succeeded when the retry was created: the records this experiment executes.
    pub positions: Vec<u64>,
}

/// `GET /api/v1/experiments/experiments/{id}/results` (format=json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResultsPage {
    pub experiment_id: String,
    /// Results stored so far (the experiment's `done` counter).
    pub total: u64,
    pub offset: usize,
    pub limit: usize,
    #[schema(required = true)]
    pub next_offset: Option<usize>,
    /// In the order they were written.
    pub results: Vec<RecordResult>,
}
