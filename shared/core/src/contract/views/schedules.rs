//! Schedules as the API shows them: the definition (webhook redacted) with the
//! store's bookkeeping, the latest runs and the skipped slots.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::contract::{ExperimentRequest, RunStatus};
use crate::schedule::{AlertsDefinition, ScheduleOrigin, SkippedSlots, SlotRefusal};

/// `GET /api/v1/schedules/{name}` and the items of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = ScheduleView)]
pub struct ScheduleDetail {
    pub name: String,
    pub cron: String,
    pub time_zone: String,
    pub paused: bool,
    pub request: ExperimentRequest,
    #[schema(inline)]
    pub alerts: AlertsDefinition,
    #[schema(inline)]
    pub origin: ScheduleOrigin,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The latest fire time handled (run, failed or skipped).
    #[schema(required = true)]
    pub last_slot: Option<DateTime<Utc>>,
    /// The next fire times, UTC; empty while paused.
    pub next_fire_times: Vec<DateTime<Utc>>,
    /// The schedule's latest runs, newest first.
    pub last_runs: Vec<ScheduledRun>,
    /// Records of slots that were never run, newest first.
    pub skipped_slots: Vec<SkippedSlots>,
    /// The latest slot whose run was refused because it would not fit in Redis, and
    /// when it is tried again; null once a slot's run is created.
    #[schema(required = true)]
    pub refusal: Option<SlotRefusal>,
}

/// One run a schedule created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScheduledRun {
    pub run_id: String,
    #[schema(inline)]
    pub status: RunStatus,
    pub created_at: DateTime<Utc>,
    #[schema(required = true)]
    pub finished_at: Option<DateTime<Utc>>,
    pub status_url: String,
    /// Experiment name → its scores; filled once the run is final (empty before).
    pub experiments: BTreeMap<String, ExperimentScores>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentScores {
    pub overall_accuracy: f64,
    pub success_rate: f64,
}

/// `GET /api/v1/schedules`: every schedule, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScheduleList {
    pub schedules: Vec<ScheduleDetail>,
}
