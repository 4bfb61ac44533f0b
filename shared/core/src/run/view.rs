//! A run as stored and shown: its immutable record and its changing state.

use chrono::{DateTime, Utc};

use super::model::RunRecord;
use crate::contract::{ExperimentResponse, RunStatus};

/// A run as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub record: RunRecord,
    pub status: RunStatus,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub cancel_requested: bool,
    /// The run's `ExperimentResponse`, once it is final.
    pub response: Option<ExperimentResponse>,
}
