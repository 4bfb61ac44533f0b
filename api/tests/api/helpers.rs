//! `spawn_app`: the application on 127.0.0.1:0 with a fresh namespace, a client, and
//! helpers to seed what workers would write (through the real store).

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use tally_api::{ApiKeys, Application, LogFormat, Settings};
use tally_core::contract::{DatasetName, ExperimentStatus, TokenUsage};
use tally_core::dataset::DatasetRecord;
use tally_core::evaluators::{Outcome, evaluate_record};
use tally_core::extraction::Report;
use tally_core::run::{
    ExperimentId, PublicUrls, RecordError, RecordResult, RecordStatus, RunId, SummaryContext,
    assemble_response, summarize_experiment,
};
use tally_daemon::serve::ConnectionLimits;
use tally_store::jobs::QueueSettings;
use tally_store::{ApiStore, RecordBegin, RecordStart, SchedulerStore, WorkerStore};
use tally_test_support::namespace::TestNamespace;

pub const KEY_NAME: &str = "ci";
pub const KEY: &str = "ci-key-0123456789abcdef";
pub const SAMPLE: &str = "vote-extraction-bangbamru-1-10";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// A worker's handle on the app's namespace: seeds what workers write, reads.
    pub store: WorkerStore,
    /// Dropped with the app, which stops the server.
    shutdown: tokio::sync::oneshot::Sender<()>,
    /// Last: the keys go after the server was told to stop.
    namespace: TestNamespace,
}

/// The repository's `datasets/` folder (holds the shipped sample; imports only read it).
pub fn datasets_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../datasets")
}

/// A fresh data directory holding a copy of the shipped sample, for tests that write
/// into the data directory (uploads).
pub fn data_dir_with_sample() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    copy_folder(&datasets_dir().join(SAMPLE), &data.path().join(SAMPLE));
    data
}

fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_folder(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

pub fn test_settings(namespace: &TestNamespace) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        store: namespace.store_settings(),
        api_keys: ApiKeys::single(KEY_NAME, KEY),
        data_dir: datasets_dir(),
        public_url: None,
        body_limit_bytes: 64 * 1024,
        upload: Default::default(),
        run_max_wait: Duration::from_secs(30),
        label_lease: Duration::from_secs(600),
        status_cache_max_age: Duration::from_millis(250),
        log_format: LogFormat::Text,
        datadog: Default::default(),
        connection_limits: ConnectionLimits::default(),
        webhook_allow_private: false,
        vertex_backend: false,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The application with settings adjusted by `adjust`. The store handle the test gets
/// always points at the real Redis, in the app's namespace.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let namespace = TestNamespace::new("api");
    let mut settings = test_settings(&namespace);
    adjust(&mut settings);
    let application = Application::build(settings).await.expect("the app builds");
    let base = application.base_url().to_string();
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(application.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        client: reqwest::Client::new(),
        store: WorkerStore::connect(&namespace.store_settings(), QueueSettings::default())
            .await
            .unwrap(),
        shutdown,
        namespace,
    }
}

impl TestApp {
    /// The API's handle on the app's namespace, for what only the API writes.
    pub async fn api_store(&self) -> ApiStore {
        ApiStore::connect(&self.namespace.store_settings())
            .await
            .unwrap()
    }

    /// The scheduler's handle on the app's namespace, for what only it writes.
    pub async fn scheduler_store(&self) -> SchedulerStore {
        SchedulerStore::connect(&self.namespace.store_settings())
            .await
            .unwrap()
    }
    /// The settings of the app's store (its namespace on the real Redis).
    pub fn store_settings(&self) -> tally_store::StoreSettings {
        self.namespace.store_settings()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("X-API-Key", KEY)
            .send()
            .await
            .unwrap()
    }

    /// The JSON answer of a GET of `path` (with the key), whatever its status.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get(path).await.json().await.unwrap()
    }

    /// The Prometheus text of the API's `/metrics`.
    pub async fn metrics(&self) -> String {
        let response = self.client.get(self.url("/metrics")).send().await.unwrap();
        response.text().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("X-API-Key", KEY)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Imports the shipped sample (10 records); returns its name.
    pub async fn import_sample(&self) -> DatasetName {
        let response = self
            .post("/api/v1/datasets/import", &json!({"path": SAMPLE}))
            .await;
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap()
        );
        DatasetName::parse(SAMPLE).unwrap()
    }

    /// Imports the sample and submits a run of `models` on it; returns the run and
    /// its experiments, in request order.
    pub async fn submit_run(&self, models: &[&str]) -> (RunId, Vec<ExperimentId>) {
        self.import_sample().await;
        let configs: Vec<Value> = models
            .iter()
            .map(|m| json!({"model": m, "temperature": 0.0}))
            .collect();
        let response = self
            .post(
                "/api/v1/experiments/run-async",
                &json!({"dataset_name": SAMPLE, "model_configs": configs}),
            )
            .await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        let run = RunId::parse(body["run_id"].as_str().unwrap()).unwrap();
        let view = self.store.run(&run).await.unwrap().unwrap();
        (run, view.record.experiments)
    }

    /// The newest run, once one exists (a submission in flight stores it).
    pub async fn latest_run(&self) -> tally_store::RunView {
        eventually(10, || async {
            let runs = self
                .store
                .list_runs(&Default::default(), 0, 1)
                .await
                .unwrap();
            runs.into_iter().next()
        })
        .await
    }

    /// The sample's records as stored.
    pub async fn sample_records(&self) -> Vec<DatasetRecord> {
        let name = DatasetName::parse(SAMPLE).unwrap();
        self.store
            .dataset_records(&name, 1, None)
            .await
            .unwrap()
            .unwrap()
    }

    /// Writes a record result as a worker would (begin, then write): `answer` scored
    /// against the record, or a model error when `None`.
    pub async fn write_answer(
        &self,
        experiment: &ExperimentId,
        record: &DatasetRecord,
        answer: Option<Vec<Report>>,
    ) {
        let outcome = match &answer {
            Some(reports) => Outcome::Reports(reports.clone()),
            None => Outcome::Failed("model error".to_string()),
        };
        let result = RecordResult {
            record_id: record.id.clone(),
            trial: 0,
            status: if answer.is_some() {
                RecordStatus::Succeeded
            } else {
                RecordStatus::Failed
            },
            evaluations: evaluate_record(Some(&record.expected_output), &outcome),
            error: answer.is_none().then(|| RecordError {
                kind: "model_error".to_string(),
                message: "the model answered 500".to_string(),
            }),
            output: answer,
            latency_ms: 1200,
            tokens: TokenUsage {
                prompt: 1000,
                output: 200,
                thinking: 0,
                cached: 0,
            },
            cost_usd: Some(0.001),
            attempts: 2,
            rate_limited: 1,
            model_version: Some("gemini-2.5-flash-001".to_string()),
            finish_reason: Some("STOP".to_string()),
            emulated: true,
            cached: false,
            cached_cost_usd: None,
            worker: Some("test-worker".into()),
            cpu_ms: None,
            ocr: None,
            finished_at: Utc::now(),
        };
        let run = self
            .store
            .experiment(experiment)
            .await
            .unwrap()
            .unwrap()
            .record
            .run_id;
        let begin = RecordBegin {
            key: record.id.clone(),
            lease: "test-lease".to_string(),
        };
        let ttl = std::time::Duration::from_secs(60);
        let starts = self
            .store
            .begin_records(&run, experiment, 1, ttl, &[begin])
            .await
            .unwrap();
        assert!(
            matches!(starts[..], [RecordStart::Proceed { .. }]),
            "{starts:?}"
        );
        let (written, _) = self
            .store
            .write_result(experiment, &result, Some("test-lease"))
            .await
            .unwrap();
        assert!(written);
    }

    /// Finishes every experiment of the run from its stored results and completes the
    /// run, as the finalize jobs would.
    pub async fn finish_run(&self, run: &RunId) {
        let view = self.store.run(run).await.unwrap().unwrap();
        let urls = PublicUrls::new(&self.base);
        let mut summaries = Vec::new();
        for id in &view.record.experiments {
            let experiment = self.store.experiment(id).await.unwrap().unwrap();
            let results = self.store.all_results(id).await.unwrap();
            let summary = summarize_experiment(
                &experiment.record,
                &results,
                &SummaryContext {
                    urls: &urls,
                    status: ExperimentStatus::Success,
                    error: None,
                },
            );
            self.store.finish_experiment(id, &summary).await.unwrap();
            summaries.push(summary);
        }
        let (status, response) = assemble_response(&view.record, summaries, &urls);
        assert!(
            self.store
                .complete_run(run, status, &response)
                .await
                .unwrap()
        );
    }

    /// Every key of the namespace, queues included.
    pub async fn keys(&self) -> Vec<String> {
        self.namespace.keys().await
    }

    /// Stops the server and deletes the namespace's keys (as dropping the app does,
    /// also when a test panics).
    pub async fn cleanup(self) {
        let _ = self.shutdown.send(());
    }
}

/// The reports of `record` with one number changed (a wrong answer).
pub fn wrong_answer(record: &DatasetRecord) -> Vec<Report> {
    let mut value = serde_json::to_value(&record.expected_output).unwrap();
    let good = &mut value[0]["ballot_statistics"]["good_ballots"];
    *good = json!(good.as_u64().unwrap() + 7);
    serde_json::from_value(value).unwrap()
}

/// Polls `check` until it returns `Some`, failing after `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {seconds} s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The JSON error body of `response`, after checking its status.
pub async fn error_of(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "errors are JSON"
    );
    response.json().await.unwrap()
}
