//! The worker's Prometheus metrics (served by `tally_daemon::metrics::serve` when
//! `TALLY_METRICS_LISTEN` is set).
//!
//! One registry per process (the `prometheus` crate; apalis's own metrics feature is
//! off, so there is only one). Queue depths are cluster-wide figures: tally-api
//! exports them.

use prometheus::{
    CounterVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub records: IntCounterVec,
    pub call_seconds: HistogramVec,
    pub retries: IntCounterVec,
    pub rate_limited: IntCounterVec,
    pub tokens: IntCounterVec,
    pub cost_micro_usd: IntCounterVec,
    pub in_flight: IntGauge,
    pub experiments_finalized: IntCounterVec,
    /// Seconds calls waited for their model's shared rate limiter.
    pub pacing_wait: CounterVec,
    /// Datadog export attempts by outcome (`exported`, `retried`, `failed`).
    pub datadog_exports: IntCounterVec,
}

impl Metrics {
    /// Fails only if a metric definition is malformed (a programming error caught by
    /// every test that starts a worker).
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let records = IntCounterVec::new(
            Opts::new(
                "tally_worker_records_total",
                "Records processed, by model and outcome",
            ),
            &["model", "outcome", "reason"],
        )?;
        let call_seconds = HistogramVec::new(
            HistogramOpts::new(
                "tally_worker_model_call_seconds",
                "Model-call latency per record, retries included",
            )
            .buckets(vec![
                0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
            ]),
            &["model"],
        )?;
        let retries = IntCounterVec::new(
            Opts::new(
                "tally_worker_model_retries_total",
                "Model calls repeated after a retryable failure",
            ),
            &["model"],
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "tally_worker_rate_limited_total",
                "Model calls answered 429",
            ),
            &["model"],
        )?;
        let tokens = IntCounterVec::new(
            Opts::new(
                "tally_worker_tokens_total",
                "Tokens used, by model and kind",
            ),
            &["model", "kind"],
        )?;
        let cost_micro_usd = IntCounterVec::new(
            Opts::new(
                "tally_worker_cost_micro_usd_total",
                "Cost of model calls in millionths of a USD",
            ),
            &["model"],
        )?;
        let in_flight = IntGauge::new("tally_worker_records_in_flight", "Records being processed")?;
        let experiments_finalized = IntCounterVec::new(
            Opts::new(
                "tally_worker_experiments_finalized_total",
                "Experiments made final, by status",
            ),
            &["status"],
        )?;
        let pacing_wait = CounterVec::new(
            Opts::new(
                "tally_worker_pacing_wait_seconds_total",
                "Time model calls waited for their model's quota (shared rate limiter)",
            ),
            &["model"],
        )?;
        let datadog_exports = IntCounterVec::new(
            Opts::new(
                "tally_worker_datadog_exports_total",
                "Datadog export attempts of final runs, by outcome",
            ),
            &["outcome"],
        )?;
        for collector in [
            Box::new(records.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(call_seconds.clone()),
            Box::new(retries.clone()),
            Box::new(rate_limited.clone()),
            Box::new(tokens.clone()),
            Box::new(cost_micro_usd.clone()),
            Box::new(in_flight.clone()),
            Box::new(experiments_finalized.clone()),
            Box::new(pacing_wait.clone()),
            Box::new(datadog_exports.clone()),
        ] {
            registry.register(collector)?;
        }
        Ok(Metrics {
            registry,
            records,
            call_seconds,
            retries,
            rate_limited,
            tokens,
            cost_micro_usd,
            in_flight,
            experiments_finalized,
            pacing_wait,
            datadog_exports,
        })
    }

    /// The text exposition.
    pub fn render(&self) -> Result<String, String> {
        tally_daemon::metrics::render(&self.registry)
    }

    /// Every metric above, for the `/metrics` server.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
}
