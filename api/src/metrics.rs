//! Prometheus metrics of the API (`GET /metrics`): requests by route and status,
//! their latency, runs submitted, and — read from Redis at scrape time — the number
//! of jobs waiting in each queue, how long the next one has waited, and how many
//! workers are alive. The queue figures are cluster-wide, so one scraped daemon owns
//! them: alerts on a dead fleet or a stuck queue work even with no worker to scrape.
//!
//! The registry is per application (not the global default), so several test
//! servers in one process keep separate counts.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};
use tally_store::jobs::WORKER_ALIVE_WITHIN;

use tally_store::StoreError;

use crate::backend::{Backend, Connected};
use crate::store_watch::StoreWatch;

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    runs_submitted: IntCounterVec,
    queue_waiting: IntGaugeVec,
    queue_oldest_age: GaugeVec,
    workers_alive: IntGauge,
    redis_up: IntGauge,
    redis_used_memory: IntGauge,
    redis_max_memory: IntGauge,
    redis_refusing_writes: IntGauge,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("tally_api_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "tally_api_http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                300.0,
            ]),
            &["method", "route"],
        )?;
        let runs_submitted = IntCounterVec::new(
            Opts::new(
                "tally_api_runs_submitted_total",
                "Run submissions: created, or an earlier run returned for a repeated Idempotency-Key",
            ),
            &["outcome"],
        )?;
        let queue_waiting = IntGaugeVec::new(
            Opts::new(
                "tally_queue_waiting_jobs",
                "Jobs waiting in a queue (scheduled or active), read at scrape time",
            ),
            &["queue"],
        )?;
        let queue_oldest_age = GaugeVec::new(
            Opts::new(
                "tally_queue_oldest_job_age_seconds",
                "How long the job next in line of a queue has waited (0 when none waits), read at scrape time",
            ),
            &["queue"],
        )?;
        let workers_alive = IntGauge::new(
            "tally_workers_alive",
            "Worker processes that beat on the chunk queue within the last 60 s, read at scrape time",
        )?;
        let redis_up = IntGauge::new("tally_redis_up", "1 when Redis answered the scrape")?;
        let redis_used_memory = IntGauge::new(
            "tally_redis_used_memory_bytes",
            "Memory Redis uses (INFO memory used_memory), read at scrape time",
        )?;
        let redis_max_memory = IntGauge::new(
            "tally_redis_maxmemory_bytes",
            "Redis's maxmemory (0: no limit), read at scrape time",
        )?;
        let redis_refusing_writes = IntGauge::new(
            "tally_redis_refusing_writes",
            "1 while Redis refuses writes (out of memory, read-only, loading) or cannot be reached",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(runs_submitted.clone()))?;
        registry.register(Box::new(queue_waiting.clone()))?;
        registry.register(Box::new(queue_oldest_age.clone()))?;
        registry.register(Box::new(workers_alive.clone()))?;
        registry.register(Box::new(redis_up.clone()))?;
        registry.register(Box::new(redis_used_memory.clone()))?;
        registry.register(Box::new(redis_max_memory.clone()))?;
        registry.register(Box::new(redis_refusing_writes.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            runs_submitted,
            queue_waiting,
            queue_oldest_age,
            workers_alive,
            redis_up,
            redis_used_memory,
            redis_max_memory,
            redis_refusing_writes,
        })
    }

    pub fn run_submitted(&self, created: bool) {
        let outcome = if created { "created" } else { "existing" };
        self.runs_submitted.with_label_values(&[outcome]).inc();
    }

    /// The answer to a scrape, after reading the queue and Redis gauges from Redis.
    pub async fn scrape(&self, backend: &Backend, watch: &StoreWatch) -> Response {
        let (redis_up, condition) = match backend.get().await {
            Ok(connected) => {
                let up = self.read_queues(connected).await.is_ok();
                if let Ok(memory) = connected.store.memory().await {
                    self.redis_used_memory.set(gauge(memory.used_bytes));
                    self.redis_max_memory.set(gauge(memory.max_bytes));
                }
                let observed = watch.observe(&connected.store).await;
                (up, observed.health.condition)
            }
            Err(error) => (false, watch.unreachable(error.to_string()).health.condition),
        };
        self.redis_up.set(i64::from(redis_up));
        self.redis_refusing_writes
            .set(i64::from(!condition.accepts_writes()));
        tally_daemon::metrics::exposition(&self.registry)
    }

    /// Sets the queue gauges from Redis; an error leaves the last values.
    async fn read_queues(&self, connected: &Connected) -> Result<(), StoreError> {
        let store = &connected.store;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let depths = store.queue_depths().await?;
        let ages = store.oldest_waiting(now.as_millis() as u64).await?;
        let alive = store
            .workers_alive(now.as_secs(), WORKER_ALIVE_WITHIN)
            .await?;
        for depth in depths {
            let waiting = i64::try_from(depth.waiting).unwrap_or(i64::MAX);
            self.queue_waiting
                .with_label_values(&[depth.kind])
                .set(waiting);
        }
        for age in ages {
            let seconds = age.oldest_waiting.map_or(0.0, |wait| wait.as_secs_f64());
            self.queue_oldest_age
                .with_label_values(&[age.kind])
                .set(seconds);
        }
        self.workers_alive
            .set(i64::try_from(alive).unwrap_or(i64::MAX));
        Ok(())
    }
}

fn gauge(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

/// Counts and times every request by its route template (`/runs/{id}`, not the id),
/// and logs one line per request — method, route, status, latency; never headers,
/// query strings or bodies, which may hold secrets.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Clones without copying text (a standard method, a shared path): no allocation
    // per request on the hot routes.
    let method = request.method().clone();
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status();
    let (method, route) = (
        method.as_str(),
        matched.as_ref().map_or("unmatched", MatchedPath::as_str),
    );
    metrics
        .requests
        .with_label_values(&[method, route, status.as_str()])
        .inc();
    metrics
        .latency
        .with_label_values(&[method, route])
        .observe(elapsed.as_secs_f64());
    tracing::info!(
        method,
        route,
        status = status.as_u16(),
        latency_ms = elapsed.as_millis() as u64,
        "request"
    );
    response
}
