//! Where a run's Datadog export stands, in its status, and the last export's
//! outcome, in health.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A run's Datadog export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DatadogExportView {
    /// `pending` (queued, or waiting to try again), `exported` or `failed`.
    pub state: String,
    /// Failed attempts so far (each is tried again after a backoff while `pending`).
    pub attempts: u64,
    /// The last attempt's error, if one failed.
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[schema(required = true)]
    pub ended_at: Option<DateTime<Utc>>,
    pub experiments: Vec<ExperimentExportView>,
}

/// One experiment's records in Datadog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentExportView {
    pub experiment_id: String,
    /// Its Datadog experiment, once created.
    #[schema(required = true)]
    pub datadog_experiment_id: Option<String>,
    /// Records whose span and metrics Datadog has.
    pub exported: u64,
    /// Records still to send while the export is pending.
    pub pending: u64,
    /// Records never sent because the export failed for good.
    pub failed: u64,
    /// The error that holds this experiment up (the run's last error, until the
    /// experiment is complete in Datadog).
    #[schema(required = true)]
    pub last_error: Option<String>,
}

/// How the most recent export to end (or to fail an attempt) went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LastExport {
    /// `exported`, `failed` (for good) or `retrying` (an attempt failed).
    pub outcome: String,
    pub succeeded: bool,
    pub run_id: String,
    pub at: DateTime<Utc>,
    #[schema(required = true)]
    pub error: Option<String>,
}
