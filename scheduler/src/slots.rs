//! Handling a schedule's due slot: exactly one run per slot, catch-up within the
//! window, older missed slots skipped and recorded once.
//!
//! The schedule's cursor (the latest slot handled) and its `active_since` bound the
//! slots that are due: those after both, up to now. Only the latest of them can
//! create a run, and only while it is within the catch-up window; every older one is
//! skipped — a scheduler down for weeks runs once when it comes back, never a burst.
//!
//! Creating the run: the replica that wins the slot's claim submits it with the
//! slot's idempotency key and records the run on the slot. A replica that crashes in
//! between leaves a claim whose lease runs out; the next claimant submits again with
//! the same key and gets the same run. The cursor moves only once the slot is
//! settled (run, or failed for good), and only one replica moves it past a slot, so
//! skipped slots are counted and recorded once.
//!
//! A run the store refuses because it would not fit in Redis's memory is not a
//! transient error: it is tried again after a growing wait (`REFUSAL_BACKOFF`), and
//! the refusal is kept on the schedule for the API to show, rather than retried with
//! a warning on every tick.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tally_core::backoff::Backoff;
use tally_core::run::Submitter;
use tally_core::schedule::{Schedule, Slot};
use tally_store::submission::{Submission, SubmitError};
use tally_store::{ScheduleView, SkippedSlots, SlotClaim, SlotRefusal, StoreError, WontFit};

use crate::scheduler::Scheduler;

/// A run created later than this after its slot is reported as a catch-up.
const ON_TIME_GRACE: chrono::Duration = chrono::Duration::minutes(1);
/// Missed slots counted one by one at most (a minutely schedule down for months
/// reports this many).
const SKIP_COUNT_CAP: usize = 100_000;

/// Waits before a refused slot is tried again: a minute after the first refusal,
/// doubling, at most an hour (the room may come back when runs are retired).
pub const REFUSAL_BACKOFF: Backoff = Backoff {
    initial: Duration::from_secs(60),
    max: Duration::from_secs(3600),
};

/// Whether a slot is settled, so the cursor may move past it.
enum Settled {
    Yes,
    /// Claimed by another replica, or a transient error: try again next tick.
    NotYet,
}

impl Scheduler {
    pub(crate) async fn handle_due_slot(
        &self,
        view: &ScheduleView,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let schedule = &view.schedule;
        let calendar = &schedule.calendar;
        let Some(latest) = calendar.latest_at_or_before(now) else {
            return Ok(());
        };
        let handled_until = view
            .last_slot
            .map_or(view.active_since, |slot| slot.max(view.active_since));
        if latest <= handled_until {
            return Ok(());
        }
        let late = now - latest;
        let in_window = late
            .to_std()
            .is_ok_and(|late| late <= self.config.catch_up_window);
        if in_window {
            let refused = view.refusal.as_ref().filter(|r| r.slot == latest);
            if refused.is_some_and(|refusal| now < refusal.next_attempt) {
                return Ok(());
            }
            let slot = Slot::new(schedule.name.clone(), latest);
            if let Settled::NotYet = self.settle_slot(schedule, &slot, late, refused).await? {
                return Ok(());
            }
            if view.refusal.is_some() {
                self.store.clear_slot_refusal(&schedule.name).await?;
            }
        }
        if !self
            .store
            .advance_schedule_cursor(&schedule.name, latest)
            .await?
        {
            return Ok(());
        }
        let mut skipped = calendar.between(handled_until, latest, SKIP_COUNT_CAP);
        if !in_window {
            skipped.push(latest);
        }
        if let (Some(&first), Some(&last)) = (skipped.first(), skipped.last()) {
            self.record_skip(schedule, first, last, skipped.len() as u64, now)
                .await?;
        }
        Ok(())
    }

    async fn settle_slot(
        &self,
        schedule: &Schedule,
        slot: &Slot,
        late: chrono::Duration,
        refused: Option<&SlotRefusal>,
    ) -> Result<Settled, StoreError> {
        match self
            .store
            .claim_slot(slot, &self.replica, self.config.claim_lease)
            .await?
        {
            SlotClaim::Done(_) | SlotClaim::Failed(_) => return Ok(Settled::Yes),
            SlotClaim::InProgress => return Ok(Settled::NotYet),
            SlotClaim::Won => {}
        }
        let name = schedule.name.as_str();
        let submission = Submission {
            request: schedule.request.clone(),
            submitter: Submitter {
                api_key_name: None,
                schedule: Some(name.to_string()),
            },
            idempotency: Some(slot.idempotency_key()),
        };
        match self.store.submit(submission, self.config.chunk_size).await {
            Ok(submitted) => {
                self.store.record_slot_run(slot, &submitted.run_id).await?;
                if submitted.created {
                    self.metrics.runs_created.with_label_values(&[name]).inc();
                }
                let caught_up = late > ON_TIME_GRACE;
                if caught_up {
                    self.metrics
                        .slots_caught_up
                        .with_label_values(&[name])
                        .inc();
                }
                tracing::info!(
                    schedule = name,
                    slot = %slot.fire_time,
                    run_id = %submitted.run_id,
                    created = submitted.created,
                    caught_up,
                    late_seconds = late.num_seconds(),
                    "scheduled run submitted"
                );
                Ok(Settled::Yes)
            }
            Err(error @ (SubmitError::UnknownDataset(_) | SubmitError::UnknownVersion { .. })) => {
                // Retrying cannot help until someone imports the dataset: the slot
                // is marked failed so it is not tried on every tick.
                let reason = error.to_string();
                self.store.record_slot_failure(slot, &reason).await?;
                self.metrics.slot_failures.with_label_values(&[name]).inc();
                tracing::error!(schedule = name, slot = %slot.fire_time, reason, "scheduled run could not be created");
                Ok(Settled::Yes)
            }
            Err(SubmitError::Store(StoreError::WontFit(refusal))) => {
                self.store.release_slot(slot, &self.replica).await?;
                let attempts = refused.map_or(0, |r| r.attempts) + 1;
                self.record_refusal(slot, &refusal, attempts).await?;
                Ok(Settled::NotYet)
            }
            Err(error) => {
                self.store.release_slot(slot, &self.replica).await?;
                tracing::warn!(schedule = name, slot = %slot.fire_time, %error, "scheduled run not submitted; retrying on the next tick");
                Ok(Settled::NotYet)
            }
        }
    }

    /// Keeps the refusal on the schedule with the time of the next attempt.
    async fn record_refusal(
        &self,
        slot: &Slot,
        refusal: &WontFit,
        attempts: u32,
    ) -> Result<(), StoreError> {
        let name = slot.schedule.as_str();
        let now = self.clock.now();
        let wait = REFUSAL_BACKOFF.ceiling(attempts);
        let next_attempt = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        self.metrics.slot_refusals.with_label_values(&[name]).inc();
        tracing::warn!(
            schedule = name,
            slot = %slot.fire_time,
            attempts,
            %next_attempt,
            reason = %refusal,
            "scheduled run refused: it would not fit in Redis; trying the slot again at {next_attempt}"
        );
        let record = SlotRefusal {
            slot: slot.fire_time,
            reason: refusal.to_string(),
            attempts,
            refused_at: now,
            next_attempt,
        };
        self.store
            .record_slot_refusal(&slot.schedule, &record)
            .await
    }

    async fn record_skip(
        &self,
        schedule: &Schedule,
        first: DateTime<Utc>,
        last: DateTime<Utc>,
        count: u64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let name = schedule.name.as_str();
        self.metrics
            .slots_skipped
            .with_label_values(&[name])
            .inc_by(count);
        tracing::warn!(
            schedule = name,
            first = %first,
            last = %last,
            count,
            catch_up_window_seconds = self.config.catch_up_window.as_secs(),
            "missed slots skipped"
        );
        let skipped = SkippedSlots {
            first,
            last,
            count,
            recorded_at: now,
        };
        self.store
            .record_skipped_slots(&schedule.name, &skipped)
            .await
    }
}
