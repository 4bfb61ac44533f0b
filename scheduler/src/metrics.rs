//! The scheduler's Prometheus metrics, in a registry of its own (served on
//! `TALLY_METRICS_LISTEN` at `/metrics`).

use prometheus::{Gauge, GaugeVec, IntCounterVec, Opts, Registry};

/// Every metric the scheduler exports. Cheap to clone (the metrics are shared).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Unix time of the last tick that read the schedules: the scheduler's
    /// heartbeat (a stale value means it is stuck or cannot reach the store).
    pub last_tick: Gauge,
    /// Unix time of each active schedule's next slot.
    pub next_fire: GaugeVec,
    /// Runs created by this process, by schedule.
    pub runs_created: IntCounterVec,
    /// Runs created for a slot more than a minute after its fire time.
    pub slots_caught_up: IntCounterVec,
    /// Slots never run: missed beyond the catch-up window, or older than another
    /// missed slot.
    pub slots_skipped: IntCounterVec,
    /// Slots whose run could not be created (unknown dataset or version).
    pub slot_failures: IntCounterVec,
    /// Attempts at a slot's run refused because it would not fit in Redis (each
    /// followed by a growing wait).
    pub slot_refusals: IntCounterVec,
    /// Alerts raised, by schedule and reason.
    pub alerts_raised: IntCounterVec,
    /// Alerts whose webhook POST succeeded / failed after every retry.
    pub alerts_sent: IntCounterVec,
    pub alerts_failed: IntCounterVec,
    /// Ticks (or parts of one) that could not reach the store.
    pub store_errors: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let counter = IntCounterVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(counter.clone()))?;
            Ok::<_, prometheus::Error>(counter)
        };
        let next_fire = GaugeVec::new(
            Opts::new(
                "tally_scheduler_next_fire_timestamp_seconds",
                "Unix time of the next slot of each active schedule",
            ),
            &["schedule"],
        )?;
        registry.register(Box::new(next_fire.clone()))?;
        let last_tick = Gauge::new(
            "tally_scheduler_last_tick_timestamp_seconds",
            "Unix time of the last tick that read the schedules from the store",
        )?;
        registry.register(Box::new(last_tick.clone()))?;
        Ok(Metrics {
            last_tick,
            next_fire,
            runs_created: counter(
                "tally_scheduler_runs_created_total",
                "Runs created for schedule slots",
                &["schedule"],
            )?,
            slots_caught_up: counter(
                "tally_scheduler_slots_caught_up_total",
                "Missed slots run late, within the catch-up window",
                &["schedule"],
            )?,
            slots_skipped: counter(
                "tally_scheduler_slots_skipped_total",
                "Missed slots that were not run",
                &["schedule"],
            )?,
            slot_failures: counter(
                "tally_scheduler_slot_failures_total",
                "Slots whose run could not be created",
                &["schedule"],
            )?,
            slot_refusals: counter(
                "tally_scheduler_slot_refusals_total",
                "Attempts at a slot's run refused because it would not fit in Redis",
                &["schedule"],
            )?,
            alerts_raised: counter(
                "tally_scheduler_alerts_raised_total",
                "Regression alerts raised, by reason",
                &["schedule", "reason"],
            )?,
            alerts_sent: counter(
                "tally_scheduler_alerts_sent_total",
                "Alerts delivered to the webhook",
                &["schedule"],
            )?,
            alerts_failed: counter(
                "tally_scheduler_alerts_failed_total",
                "Alerts not delivered after every retry",
                &["schedule"],
            )?,
            store_errors: counter(
                "tally_scheduler_store_errors_total",
                "Store operations that failed during a tick",
                &["operation"],
            )?,
            registry,
        })
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        // Encoding fails only for malformed metric families, which the constructors
        // above rule out.
        tally_daemon::metrics::render(&self.registry).unwrap_or_default()
    }

    /// Every metric above, for the `/metrics` server.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
}
