//! `Scheduler`: one replica. Any number may run against one store; the store's slot
//! claims make each slot create exactly one run however many replicas see it.
//!
//! Each tick, for every stored schedule:
//! 1. publish its next fire time;
//! 2. unless paused, handle its due slot (`slots`): the latest fire time not yet
//!    handled is run if it is within the catch-up window, older missed slots are
//!    skipped and recorded;
//! 3. check its recently finished runs for regressions (`checks`).
//!
//! A tick never waits on a webhook: alerts go to the `AlertSender`'s own task.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tally_core::run::PublicUrls;
use tally_core::schedule::{Schedule, ScheduleName};
use tally_store::store_backoff::{Delays, StoreBackoff};
use tally_store::submission::DEFAULT_MAX_CHUNK_SIZE;
use tally_store::{ScheduleView, SchedulerStore, SeedOutcome, StoreError};

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::webhook::AlertSender;

/// The scheduler's tunables.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// A missed slot is still run this long after its fire time.
    pub catch_up_window: Duration,
    /// Time between ticks (a slot fires at most this late while replicas run).
    pub tick_interval: Duration,
    /// How long a slot claim holds before another replica may take the slot over.
    pub claim_lease: Duration,
    pub chunk_size: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            catch_up_window: Duration::from_secs(6 * 3600),
            tick_interval: Duration::from_secs(5),
            claim_lease: Duration::from_secs(60),
            chunk_size: DEFAULT_MAX_CHUNK_SIZE,
        }
    }
}

pub struct Scheduler {
    pub(crate) store: SchedulerStore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: SchedulerConfig,
    pub(crate) urls: PublicUrls,
    pub(crate) metrics: Metrics,
    pub(crate) alerts: AlertSender,
    /// Names this replica's slot claims.
    pub(crate) replica: String,
    /// Schedules whose next fire time was published on the last tick.
    published: Mutex<BTreeSet<String>>,
    /// Spaces ticks out while the store fails, and rate-limits their log lines.
    store_errors: StoreBackoff,
}

impl Scheduler {
    pub fn new(
        store: SchedulerStore,
        clock: Arc<dyn Clock>,
        config: SchedulerConfig,
        urls: PublicUrls,
        metrics: Metrics,
        alerts: AlertSender,
    ) -> Scheduler {
        let replica = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        Scheduler {
            store,
            clock,
            config,
            urls,
            metrics,
            alerts,
            replica,
            published: Mutex::default(),
            store_errors: StoreBackoff::new("scheduler tick", Delays::STORE),
        }
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Seeds the schedules of the file (every replica does; the store keeps one).
    pub async fn seed(&self, schedules: &[Schedule]) -> Result<(), StoreError> {
        let now = self.clock.now();
        for schedule in schedules {
            let outcome = self.store.seed_schedule(schedule, now).await?;
            let outcome = match outcome {
                SeedOutcome::Created => "created",
                SeedOutcome::Updated => "updated from the file",
                SeedOutcome::Unchanged => "unchanged",
                SeedOutcome::KeptApiVersion => "kept as edited through the API",
                SeedOutcome::DeletedThroughApi => "not recreated: deleted through the API",
            };
            tracing::info!(schedule = %schedule.name, outcome, "schedule seeded");
        }
        Ok(())
    }

    /// Ticks until `shutdown` completes. A tick that has started is finished first,
    /// so no slot is left claimed by a replica that stopped on purpose.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let failures = self.store_errors.failures();
            self.tick().await;
            // A tick that met store errors waits longer before the next, up to the
            // backoff's cap; a clean one resets the backoff.
            let wait = if self.store_errors.failures() > failures {
                self.store_errors.delay().max(self.config.tick_interval)
            } else {
                self.store_errors.succeeded();
                self.config.tick_interval
            };
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Stops alert delivery, giving queued alerts up to `grace` to go out.
    pub async fn shutdown(self, grace: Duration) {
        self.alerts.shutdown(grace).await;
    }

    /// One pass over every schedule. Store errors are logged and counted; the next
    /// tick tries again.
    pub async fn tick(&self) {
        let now = self.clock.now();
        let names = match self.store.schedule_names().await {
            Ok(names) => {
                self.metrics.last_tick.set(now.timestamp() as f64);
                names
            }
            Err(error) => {
                self.store_error("list schedules", None, &error);
                return;
            }
        };
        self.forget_removed_schedules(&names);
        for name in names {
            let view = match self.store.schedule(&name).await {
                Ok(Some(view)) => view,
                Ok(None) => continue,
                Err(error) => {
                    self.store_error("read schedule", Some(&name), &error);
                    continue;
                }
            };
            self.publish_schedule_metrics(&view, now);
            if !view.schedule.paused
                && let Err(error) = self.handle_due_slot(&view, now).await
            {
                self.store_error("handle slot", Some(&name), &error);
            }
            if let Err(error) = self.check_finished_runs(&view).await {
                self.store_error("check finished runs", Some(&name), &error);
            }
        }
    }

    fn publish_schedule_metrics(&self, view: &ScheduleView, now: DateTime<Utc>) {
        let name = view.schedule.name.as_str();
        // Every per-schedule series exists from the first tick (at 0), so a
        // dashboard's rate() sees the first increment.
        for counter in [
            &self.metrics.runs_created,
            &self.metrics.slots_caught_up,
            &self.metrics.slots_skipped,
            &self.metrics.slot_failures,
            &self.metrics.alerts_sent,
            &self.metrics.alerts_failed,
        ] {
            counter.with_label_values(&[name]);
        }
        match view.next_fire_times(now, 1).first() {
            Some(next) => self
                .metrics
                .next_fire
                .with_label_values(&[name])
                .set(next.timestamp() as f64),
            None => {
                let _ = self.metrics.next_fire.remove_label_values(&[name]);
            }
        }
    }

    /// Drops the next-fire gauge of schedules that no longer exist.
    fn forget_removed_schedules(&self, names: &[ScheduleName]) {
        let current: BTreeSet<String> = names.iter().map(ScheduleName::to_string).collect();
        let mut published = self
            .published
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for gone in published.difference(&current) {
            let _ = self.metrics.next_fire.remove_label_values(&[gone.as_str()]);
        }
        *published = current;
    }

    pub(crate) fn store_error(
        &self,
        operation: &str,
        schedule: Option<&ScheduleName>,
        error: &StoreError,
    ) {
        self.metrics
            .store_errors
            .with_label_values(&[operation])
            .inc();
        let schedule = schedule.map_or(String::new(), |name| format!(" of schedule {name}"));
        // Logged once, then summarised per interval (`StoreBackoff`).
        let _ = self
            .store_errors
            .failed(&format!("{operation}{schedule}: {error}"));
    }
}
