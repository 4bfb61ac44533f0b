//! Prometheus metrics of the API (`GET /metrics`): requests by route and status,
//! their latency, runs submitted, and — read from Redis at scrape time — the number
//! of jobs waiting in each queue.
//!
//! The registry is per application (not the global default), so several test
//! servers in one process keep separate counts.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::backend::Backend;

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    runs_submitted: IntCounterVec,
    queue_waiting: IntGaugeVec,
    redis_up: IntGauge,
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
        let redis_up = IntGauge::new("tally_redis_up", "1 when Redis answered the scrape")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(runs_submitted.clone()))?;
        registry.register(Box::new(queue_waiting.clone()))?;
        registry.register(Box::new(redis_up.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            runs_submitted,
            queue_waiting,
            redis_up,
        })
    }

    pub fn run_submitted(&self, created: bool) {
        let outcome = if created { "created" } else { "existing" };
        self.runs_submitted.with_label_values(&[outcome]).inc();
    }

    /// The text exposition, after reading the queue gauges from Redis.
    pub async fn render(&self, backend: &Backend) -> String {
        let depths = match backend.get().await {
            Ok(connected) => connected.queues.depths(&connected.store).await.ok(),
            Err(_) => None,
        };
        match depths {
            Some(depths) => {
                self.redis_up.set(1);
                for depth in depths {
                    let waiting = i64::try_from(depth.waiting).unwrap_or(i64::MAX);
                    self.queue_waiting
                        .with_label_values(&[depth.kind])
                        .set(waiting);
                }
            }
            None => self.redis_up.set(0),
        }
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "could not encode the metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// Counts and times every request by its route template (`/runs/{id}`, not the id),
/// and logs one line per request — method, route, status, latency; never headers,
/// query strings or bodies, which may hold secrets.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status();
    metrics
        .requests
        .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
        .inc();
    metrics
        .latency
        .with_label_values(&[method.as_str(), route.as_str()])
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
