//! `Slot`: one fire time of one schedule — the unit that creates exactly one run.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::name::ScheduleName;
use crate::run::IdempotencyKey;

/// The submitter name under which slot idempotency keys are kept. API key names are
/// identifiers and cannot start with `~`, so no client key can collide with it.
const SLOT_KEY_OWNER: &str = "~scheduler";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub schedule: ScheduleName,
    pub fire_time: DateTime<Utc>,
}

impl Slot {
    pub fn new(schedule: ScheduleName, fire_time: DateTime<Utc>) -> Slot {
        Slot {
            schedule,
            fire_time,
        }
    }

    /// The fire time in milliseconds since the epoch, as slot keys spell it.
    pub fn millis(&self) -> i64 {
        self.fire_time.timestamp_millis()
    }

    /// The idempotency key of the run this slot creates: every replica that submits
    /// the slot gets the same run back, however often it retries.
    pub fn idempotency_key(&self) -> IdempotencyKey {
        let digest = Sha256::digest(format!("{}\n{}", self.schedule, self.millis()));
        IdempotencyKey {
            api_key_name: SLOT_KEY_OWNER.to_string(),
            key_hash: hex::encode(digest),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_key_depends_on_schedule_and_fire_time_only() {
        let monday = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
        let weekly = ScheduleName::parse("weekly").unwrap();
        let a = Slot::new(weekly.clone(), monday).idempotency_key();
        assert_eq!(a, Slot::new(weekly.clone(), monday).idempotency_key());
        assert_ne!(
            a,
            Slot::new(weekly, monday + chrono::Duration::days(7)).idempotency_key()
        );
        assert_ne!(
            a,
            Slot::new(ScheduleName::parse("daily").unwrap(), monday).idempotency_key()
        );
        assert_eq!(a.key_hash.len(), 64);
    }
}
