//! Fixtures: a namespace of one's own with the sample dataset imported, schedulers
//! on a manual clock, runs made final through the store, and a webhook server.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use tally_core::contract::ExperimentStatus;
use tally_core::dataset::DataDir;
use tally_core::evaluators::{Outcome, evaluate_record};
use tally_core::run::{
    PublicUrls, RecordError, RecordResult, RecordStatus, RunId, SummaryContext, assemble_response,
    summarize_experiment,
};
use tally_core::schedule::Schedule;
use tally_scheduler::{AlertSender, ManualClock, Metrics, RetryPolicy, Scheduler, SchedulerConfig};
use tally_store::import;
use tally_store::jobs::QueueSettings;
use tally_store::{ApiStore, RunView, SchedulerStore, WorkerStore};
use tally_test_support::namespace::TestNamespace;
use tokio::sync::Notify;

pub const SAMPLE_DATASET: &str = "vote-extraction-bangbamru-1-10";
pub const PUBLIC_URL: &str = "http://tally.test";

pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// Monday 2026-01-05 08:00 UTC, and the Mondays after it.
pub fn monday(week: i64) -> DateTime<Utc> {
    utc(2026, 1, 5, 8, 0) + chrono::Duration::weeks(week)
}

pub struct TestEnv {
    /// The scheduler's handle, the one its replicas use.
    pub store: SchedulerStore,
    /// The API's, for schedule edits and imports.
    pub api: ApiStore,
    /// A worker's, for making runs final.
    pub worker: WorkerStore,
    pub clock: ManualClock,
    /// The namespace's keys, job queues included, go when the env is dropped.
    _namespace: TestNamespace,
}

impl TestEnv {
    /// A fresh `test:sched:<unique>` namespace holding the sample dataset, and a
    /// clock at `start`.
    pub async fn new(start: DateTime<Utc>) -> TestEnv {
        let namespace = TestNamespace::new("sched");
        let settings = namespace.store_settings();
        let store = SchedulerStore::connect(&settings).await.unwrap();
        let api = ApiStore::connect(&settings).await.unwrap();
        let worker = WorkerStore::connect(&settings, QueueSettings::default())
            .await
            .unwrap();
        let datasets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets");
        let data_dir = DataDir::open(&datasets).unwrap();
        import(&api, &data_dir, SAMPLE_DATASET).await.unwrap();
        TestEnv {
            store,
            api,
            worker,
            clock: ManualClock::new(start),
            _namespace: namespace,
        }
    }

    /// A scheduler replica on this store and clock.
    pub fn scheduler(&self, policy: RetryPolicy) -> Scheduler {
        self.scheduler_on(self.store.clone(), policy)
    }

    /// A scheduler replica on this clock and `store` (a handle on this namespace).
    pub fn scheduler_on(&self, store: SchedulerStore, policy: RetryPolicy) -> Scheduler {
        let metrics = Metrics::new().unwrap();
        // The test webhooks listen on loopback.
        let alerts = AlertSender::start(policy, true, metrics.clone());
        Scheduler::new(
            store,
            Arc::new(self.clock.clone()),
            SchedulerConfig::default(),
            PublicUrls::new(PUBLIC_URL),
            metrics,
            alerts,
        )
    }

    /// A scheduler's handle on this namespace under a memory budget of `bytes`
    /// (`TALLY_REDIS_MEMORY_BUDGET`): a run larger than the room left is refused.
    pub async fn store_with_memory_budget(&self, bytes: u64) -> SchedulerStore {
        let mut settings = self._namespace.store_settings();
        settings.memory_budget = Some(bytes);
        SchedulerStore::connect(&settings).await.unwrap()
    }

    pub async fn runs_of(&self, schedule: &Schedule) -> Vec<RunView> {
        self.store
            .schedule_runs(&schedule.name, 1000)
            .await
            .unwrap()
    }
}

/// The shipped default schedule, with alert settings for the test.
pub fn weekly_monitoring(webhook_url: Option<&str>) -> Schedule {
    let mut value = Schedule::from_json(&default_schedule_json())
        .unwrap()
        .to_json();
    value["alerts"] =
        json!({"accuracy_drop": 0.05, "success_rate_drop": 0.1, "webhook_url": webhook_url});
    Schedule::from_json(&value).unwrap()
}

fn default_schedule_json() -> Value {
    let text = include_str!("../../../deploy/schedules.toml");
    let schedules =
        tally_core::schedule::parse_schedules_file("deploy/schedules.toml", text).unwrap();
    schedules[0].to_json()
}

/// Quick retries, so a test of retrying takes milliseconds.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 5,
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        timeout: Duration::from_secs(10),
    }
}

/// Makes a run final as workers would, through the store: the first `correct`
/// records of each experiment answered with the expected reports, the rest failed.
pub async fn finish_run(store: &WorkerStore, run_id: &RunId, correct: usize) {
    let urls = PublicUrls::new(PUBLIC_URL);
    let run = store.run(run_id).await.unwrap().unwrap();
    let mut summaries = Vec::new();
    for experiment_id in &run.record.experiments {
        let experiment = store.experiment(experiment_id).await.unwrap().unwrap();
        let records = store
            .dataset_records(
                &run.record.dataset.name,
                run.record.dataset.version,
                Some(experiment.record.total as usize),
            )
            .await
            .unwrap()
            .unwrap();
        for (index, record) in records.iter().enumerate() {
            let answered = index < correct;
            let outcome = if answered {
                Outcome::Reports(record.expected_output.clone())
            } else {
                Outcome::Failed("model_error".to_string())
            };
            let result = RecordResult {
                record_id: record.id.clone(),
                trial: 0,
                status: if answered {
                    RecordStatus::Succeeded
                } else {
                    RecordStatus::Failed
                },
                output: answered.then(|| record.expected_output.clone()),
                evaluations: evaluate_record(Some(&record.expected_output), &outcome),
                error: (!answered).then(|| RecordError {
                    kind: "model_error".to_string(),
                    message: "the model did not answer".to_string(),
                }),
                latency_ms: 10,
                tokens: Default::default(),
                cost_usd: None,
                attempts: 1,
                rate_limited: 0,
                model_version: None,
                finish_reason: None,
                emulated: true,
                cached: false,
                cached_cost_usd: None,
                worker: None,
                cpu_ms: None,
                ocr: None,
                finished_at: Utc::now(),
            };
            store
                .write_result(experiment_id, &result, None)
                .await
                .unwrap();
        }
        let results = store.all_results(experiment_id).await.unwrap();
        let context = SummaryContext {
            urls: &urls,
            status: ExperimentStatus::Success,
            error: None,
        };
        let summary = summarize_experiment(&experiment.record, &results, &context);
        store
            .finish_experiment(experiment_id, &summary)
            .await
            .unwrap();
        summaries.push(summary);
    }
    let (status, response) = assemble_response(&run.record, summaries, &urls);
    assert!(store.complete_run(run_id, status, &response).await.unwrap());
}

/// Polls `condition` until it holds, failing the test after a generous deadline.
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A webhook receiver on 127.0.0.1:0 that records every body and answers the n-th
/// request with `statuses[n]` (200 past the end). With `hold_first`, the first
/// request is answered only after `release_first`.
pub struct WebhookServer {
    pub url: String,
    state: Arc<WebhookState>,
}

struct WebhookState {
    bodies: Mutex<Vec<Value>>,
    statuses: Vec<u16>,
    hold_first: bool,
    release: Notify,
}

impl WebhookServer {
    pub async fn start(statuses: Vec<u16>, hold_first: bool) -> WebhookServer {
        let state = Arc::new(WebhookState {
            bodies: Mutex::new(Vec::new()),
            statuses,
            hold_first,
            release: Notify::new(),
        });
        let app = axum::Router::new()
            .route("/hooks/s3cret", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        WebhookServer {
            url: format!("http://{address}/hooks/s3cret"),
            state,
        }
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.state.bodies.lock().unwrap().clone()
    }

    pub fn release_first(&self) {
        self.state.release.notify_one();
    }
}

async fn receive(
    State(state): State<Arc<WebhookState>>,
    axum::Json(body): axum::Json<Value>,
) -> StatusCode {
    let index = {
        let mut bodies = state.bodies.lock().unwrap();
        bodies.push(body);
        bodies.len() - 1
    };
    if index == 0 && state.hold_first {
        state.release.notified().await;
    }
    let status = state.statuses.get(index).copied().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}
