//! What the store keeps beside a schedule's definition, as the API shows it: who last
//! wrote it, and the slots that were never run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who last wrote a schedule: `file` while only the schedules file did, `api` after
/// any API write (the file then leaves it alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleOrigin {
    File,
    Api,
}

impl ScheduleOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleOrigin::File => "file",
            ScheduleOrigin::Api => "api",
        }
    }
}

/// Slots that were never run because they were missed by more than the catch-up
/// window (or because a newer slot was missed too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SkippedSlots {
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub count: u64,
    pub recorded_at: DateTime<Utc>,
}

/// The latest slot whose run the store refused because it would not fit in Redis's
/// memory. The scheduler tries that slot again at `next_attempt`, waiting twice as
/// long after each refusal (a minute, up to an hour), rather than on every tick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlotRefusal {
    pub slot: DateTime<Utc>,
    /// The store's refusal: the run's footprint and the room there was.
    pub reason: String,
    /// Refusals of this slot so far.
    pub attempts: u32,
    pub refused_at: DateTime<Utc>,
    pub next_attempt: DateTime<Utc>,
}
