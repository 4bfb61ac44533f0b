//! A real pipeline for one test: its own Redis namespace, a gemini-emulator on a
//! loopback port answering from the shipped sample dataset, workers and tally-api
//! servers in this process, and the store handles to submit runs and read results.
//!
//! Dropping the harness (or a panic) tells its workers and servers to stop and
//! deletes the namespace's keys; `cleanup` also waits for the workers to stop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gemini_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;
use tally_api::Application;
use tally_core::contract::{ExperimentRequest, RunStatus};
use tally_core::dataset::DataDir;
use tally_core::run::{ExperimentId, PublicUrls, RecordResult, RunId, Submitter};
use tally_daemon::settings::Environment;
use tally_gemini::{GeminiClient, GeminiConfig, RetryPolicy, Secret};
use tally_store::import;
use tally_store::jobs::QueueSettings;
use tally_store::submission::{DEFAULT_MAX_CHUNK_SIZE, Submission};
use tally_store::{ApiStore, REDIS_URL_ENV, RunView, StoreSettings, WorkerStore};
use tally_worker::limits::LimitSettings;
use tally_worker::pacer::Pacer;
use tally_worker::quotas::Quotas;
use tally_worker::response_cache::{DEFAULT_CACHE_TTL, StoreCache};
use tally_worker::{Context, Metrics, Worker};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::namespace::{TestNamespace, redis_connection, redis_url, stored_values};

pub const SAMPLE: &str = "vote-extraction-bangbamru-1-10";
/// The dataset `start_with_fixture` writes (`gemini_emulator::fixtures`).
pub const FIXTURE: &str = "sample";
pub const EMULATOR_KEY: &str = "emulator-key";
/// The key the harness's API servers accept (`X-API-Key`), named `API_KEY_NAME`.
pub const API_KEY: &str = "test-key-0123456789abcdef";
pub const API_KEY_NAME: &str = "test";

/// One-second beats: a killed worker's jobs move to the others within seconds.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

pub fn repo_datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets")
}

pub struct Harness {
    /// The client's handle: submits, cancels, imports and reads, as tally-api does.
    pub store: ApiStore,
    /// What this harness's workers share (one-second beats); tests run a worker's
    /// housekeeping with it.
    pub worker_store: WorkerStore,
    /// The namespace's settings, to connect the handles of other roles.
    pub store_settings: StoreSettings,
    pub emulator: RunningEmulator,
    pub data_dir: PathBuf,
    pub http: reqwest::Client,
    workers: Vec<oneshot::Sender<()>>,
    metrics: Vec<Metrics>,
    handles: Vec<tokio::task::JoinHandle<Result<(), String>>>,
    /// Stops the API and metrics servers started by this harness.
    servers: Vec<oneshot::Sender<()>>,
    /// The generated data dir of `start_with_fixture`, removed with the harness.
    _fixture: Option<tempfile::TempDir>,
    /// Last, so that it is dropped after the stop signals of workers and servers.
    namespace: TestNamespace,
}

/// What a worker of a test runs with, beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct WorkerOptions {
    pub limits: Option<LimitSettings>,
    /// Calls are paced by these quotas (none: not paced).
    pub quotas: Option<Quotas>,
    pub retention: Option<Duration>,
    /// Chunk jobs run at once (default 8).
    pub chunks: Option<usize>,
    /// Beats and orphan recovery of the worker's queues (default: `queue_settings()`).
    pub queues: Option<QueueSettings>,
    /// Where the worker exports final runs (none: not exported).
    pub datadog: Option<tally_worker::datadog::DatadogExport>,
    /// A spend cap: US dollars per window (none: no cap).
    pub spend_cap: Option<(f64, Duration)>,
    /// Batch parts over this many request bytes go as a file (none: 20 MB).
    pub batch_inline_limit: Option<usize>,
}

impl Harness {
    /// A namespace of its own, the emulator at `latency_ms`, the sample imported.
    pub async fn start(test: &str, latency_ms: u64) -> Harness {
        Harness::start_with_data(test, latency_ms, &repo_datasets()).await
    }

    pub async fn start_with_data(test: &str, latency_ms: u64, data_dir: &Path) -> Harness {
        Harness::start_importing(test, latency_ms, data_dir, SAMPLE).await
    }

    /// A data dir of its own holding `records` generated fixture records (two small
    /// pages each, known answers), imported as `FIXTURE`.
    pub async fn start_with_fixture(test: &str, latency_ms: u64, records: u32) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        gemini_emulator::fixtures::write_dataset(dir.path(), records).expect("fixture dataset");
        let mut harness = Harness::start_importing(test, latency_ms, dir.path(), FIXTURE).await;
        harness._fixture = Some(dir);
        harness
    }

    async fn start_importing(
        test: &str,
        latency_ms: u64,
        data_dir: &Path,
        dataset: &str,
    ) -> Harness {
        let harness = Harness::start_empty(test, latency_ms, data_dir).await;
        let dir = DataDir::open(data_dir).expect("data dir");
        import(&harness.store, &dir, dataset)
            .await
            .expect("dataset imports");
        harness
    }

    /// Like `start_with_data`, but no dataset is imported into the store yet (the
    /// emulator still answers from `data_dir`).
    pub async fn start_empty(test: &str, latency_ms: u64, data_dir: &Path) -> Harness {
        let namespace = TestNamespace::new(&format!("pipeline:{test}"));
        let settings = namespace.store_settings();
        let store = ApiStore::connect(&settings)
            .await
            .unwrap_or_else(|error| panic!("Redis at {}: {error}", redis_url()));
        let worker_store = WorkerStore::connect(&settings, queue_settings())
            .await
            .unwrap_or_else(|error| panic!("Redis at {}: {error}", redis_url()));
        let mut config = EmulatorConfig::default().with_fixed_latency(latency_ms);
        config.datasets = Some(data_dir.to_path_buf());
        let emulator = gemini_emulator::spawn(config)
            .await
            .expect("emulator starts");
        let harness = Harness {
            store,
            worker_store,
            store_settings: settings,
            emulator,
            data_dir: data_dir.to_path_buf(),
            http: reqwest::Client::new(),
            workers: Vec::new(),
            metrics: Vec::new(),
            handles: Vec::new(),
            servers: Vec::new(),
            _fixture: None,
            namespace,
        };
        harness.wait_for_emulator_index().await;
        harness
    }

    async fn wait_for_emulator_index(&self) {
        poll(
            "the emulator's dataset index",
            Duration::from_secs(30),
            || async {
                let stats = self.emulator_json("/_emulator/stats").await;
                stats["index"]["ready"].as_bool() == Some(true)
            },
        )
        .await;
    }

    pub fn gemini_config(&self) -> GeminiConfig {
        let mut config = GeminiConfig::developer(Secret::new(EMULATOR_KEY));
        config.base_url = Some(self.emulator.base_url());
        // Quick retries keep fault tests short; the policy itself is the real one.
        config.retry = RetryPolicy {
            max_attempts: 6,
            total_budget: Duration::from_secs(60),
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(200),
        };
        config
    }

    /// Starts a worker in this process; it runs until the harness is dropped or
    /// `stop_workers` is called.
    pub async fn start_worker(&mut self, name: &str) {
        self.start_worker_with(name, WorkerOptions::default()).await
    }

    pub async fn start_worker_with(&mut self, name: &str, options: WorkerOptions) {
        let chunks = options.chunks.unwrap_or(8);
        let context = self.worker_context(name, options).await;
        self.metrics.push(context.metrics.clone());
        let worker = Worker::new(Arc::new(context), chunks, Duration::from_secs(5));
        let (stop, stopped) = oneshot::channel();
        self.workers.push(stop);
        self.handles.push(tokio::spawn(worker.run(async {
            let _ = stopped.await;
        })));
    }

    /// What a worker of this harness runs jobs with, for a test that runs job
    /// handlers or housekeeping itself (no queue is polled).
    pub async fn worker_context(&self, name: &str, options: WorkerOptions) -> Context {
        let metrics = Metrics::new().expect("worker metrics");
        let store = match options.queues {
            Some(queues) => WorkerStore::connect(&self.store_settings, queues)
                .await
                .expect("Redis at 127.0.0.1:6379"),
            None => self.worker_store.clone(),
        };
        let mut model = GeminiClient::new(self.gemini_config())
            .expect("client")
            .with_cache(Arc::new(StoreCache::new(store.clone(), DEFAULT_CACHE_TTL)));
        if let Some(quotas) = options.quotas {
            model = model.with_gate(Arc::new(Pacer::new(store.clone(), quotas, metrics.clone())));
        }
        let mut context = Context::new(
            format!("{name}-{:06x}", rand::random::<u32>() & 0xff_ffff),
            store,
            Arc::new(model),
            DataDir::open(&self.data_dir).expect("data dir"),
            PublicUrls::new("http://tally.test"),
            metrics,
        );
        if let Some(limits) = options.limits {
            context = context.with_limits(limits);
        }
        if let Some(retention) = options.retention {
            context = context.with_retention(retention);
        }
        context
            .with_datadog(options.datadog)
            .with_spend_cap(options.spend_cap)
            .with_batches(
                tally_gemini::batch::BatchClient::new(&self.gemini_config())
                    .expect("batch client")
                    .map(|client| match options.batch_inline_limit {
                        Some(limit) => client.with_inline_limit(limit),
                        None => client,
                    }),
            )
    }

    /// A `tally-worker` process on this harness's namespace, data folder and
    /// emulator, named `name`, with one-second beats, logging warnings nowhere:
    /// `binary` is the test's `CARGO_BIN_EXE_tally-worker` (only the worker's own
    /// tests know it). The caller adds environment or output, then spawns it.
    pub fn worker_process(&self, binary: &str, name: &str) -> Command {
        let mut command = Command::new(binary);
        command
            .env("TALLY_NAMESPACE", self.store.keys().namespace().as_str())
            .env("TALLY_DATA_DIR", &self.data_dir)
            .env("GEMINI_BASE_URL", self.emulator.base_url())
            .env("GEMINI_API_KEY", EMULATOR_KEY)
            .env("TALLY_HEARTBEAT_SECS", "1")
            .env("TALLY_WORKER_NAME", name)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// Serves the `index`-th worker's metrics on a loopback port, as
    /// `TALLY_METRICS_LISTEN` does; returns the scrape URL.
    pub async fn serve_worker_metrics(&mut self, index: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!(
            "http://{}/metrics",
            listener.local_addr().expect("bound address")
        );
        let (stop, stopped) = oneshot::channel::<()>();
        self.servers.push(stop);
        tokio::spawn(tally_daemon::metrics::serve(
            listener,
            self.metrics[index].registry().clone(),
            async {
                let _ = stopped.await;
            },
        ));
        url
    }

    /// Starts tally-api on a loopback port over this harness's namespace and data
    /// folder, accepting `API_KEY`; returns its base URL. It stops at `cleanup`.
    pub async fn start_api(&mut self) -> String {
        self.start_api_with(&[]).await
    }

    /// `start_api` with more environment (`DD_*` for Datadog, say).
    pub async fn start_api_with(&mut self, extra: &[(&str, &str)]) -> String {
        let namespace = self.store.keys().namespace().to_string();
        let data_dir = self.data_dir.display().to_string();
        let mut pairs = vec![
            (REDIS_URL_ENV, redis_url()),
            ("TALLY_LISTEN", "127.0.0.1:0".to_string()),
            ("TALLY_API_KEYS", format!("{API_KEY_NAME}:{API_KEY}")),
            ("TALLY_NAMESPACE", namespace),
            ("TALLY_DATA_DIR", data_dir),
        ];
        pairs.extend(extra.iter().map(|(name, value)| (*name, value.to_string())));
        let settings = tally_api::Settings::from_environment(&Environment::from_pairs(pairs))
            .expect("test API settings");
        let application = Application::build(settings).await.expect("the API builds");
        let base = application.base_url().to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        self.servers.push(stop);
        tokio::spawn(application.run_until_stopped(async {
            let _ = stopped.await;
        }));
        base
    }

    pub async fn stop_workers(&mut self) {
        for stop in self.workers.drain(..) {
            let _ = stop.send(());
        }
        for handle in self.handles.drain(..) {
            let _ = handle.await;
        }
    }

    pub async fn submit(&self, body: &str) -> RunId {
        let request = ExperimentRequest::from_json_bytes(body.as_bytes()).expect("valid request");
        let submission = Submission {
            request,
            submitter: Submitter {
                api_key_name: Some("test".into()),
                schedule: None,
            },
            idempotency: None,
        };
        self.store
            .submit(submission, DEFAULT_MAX_CHUNK_SIZE)
            .await
            .expect("submitted")
            .run_id
    }

    /// Submits one `gemini-2.5-flash` experiment over `FIXTURE`, with `jobs` calls at
    /// once and failed records not stopping it; returns the run and its experiment.
    pub async fn submit_fixture_run(&self, jobs: u32) -> (RunId, ExperimentId) {
        let run = self
            .submit(&request_for(
                FIXTURE,
                r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
                &format!(r#", "jobs": {jobs}, "raise_errors": false"#),
            ))
            .await;
        let experiment = self.first_experiment(&run).await;
        (run, experiment)
    }

    /// Results written so far for `experiment`; 0 while the store does not answer
    /// (a test that fails Redis over or stalls it reads through the outage).
    pub async fn done(&self, experiment: &ExperimentId) -> u64 {
        self.store
            .experiment(experiment)
            .await
            .ok()
            .flatten()
            .map_or(0, |view| view.progress.done)
    }

    /// Polls until `experiment` has at least `results` results.
    pub async fn wait_for_results(&self, experiment: &ExperimentId, results: u64) {
        poll(
            "the run writes results",
            Duration::from_secs(60),
            || async { self.done(experiment).await >= results },
        )
        .await
    }

    /// The first experiment of `run` (the only one of a one-model request).
    pub async fn first_experiment(&self, run: &RunId) -> ExperimentId {
        let view = self
            .store
            .run(run)
            .await
            .expect("store")
            .expect("run exists");
        view.record.experiments[0].clone()
    }

    /// Polls until the run is final (panics after `within`).
    pub async fn wait_final(&self, run: &RunId, within: Duration) -> RunView {
        let deadline = Instant::now() + within;
        loop {
            let view = self
                .store
                .run(run)
                .await
                .expect("store")
                .expect("run exists");
            if view.status.is_final() {
                return view;
            }
            assert!(
                Instant::now() < deadline,
                "run {run} not final within {within:?}: {:?}",
                view.status
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Submits `body` and polls until its run is final (panics after `within`).
    pub async fn submit_and_wait(&self, body: &str, within: Duration) -> (RunId, RunView) {
        let run = self.submit(body).await;
        let view = self.wait_final(&run, within).await;
        (run, view)
    }

    /// Polls until `run` is final, checks that it succeeded, and returns the
    /// results of its first experiment.
    pub async fn wait_succeeded(&self, run: &RunId, within: Duration) -> Vec<RecordResult> {
        let view = self.wait_final(run, within).await;
        assert_eq!(view.status, RunStatus::Succeeded, "run {run}");
        self.store
            .all_results(&view.record.experiments[0])
            .await
            .expect("store")
    }

    /// The Prometheus text of the `index`-th worker started in this process.
    pub fn worker_metrics(&self, index: usize) -> String {
        self.metrics[index].render().expect("metrics render")
    }

    pub async fn emulator_json(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.emulator.base_url()))
            .send()
            .await
            .expect("emulator answers")
            .json()
            .await
            .expect("json")
    }

    /// Queues `faults` (`{"fault": "permission_denied"}`, …): the emulator answers
    /// its next calls with them, one each, in order.
    pub async fn push_faults(&self, faults: Vec<Value>) {
        let status = self
            .http
            .post(format!("{}/_emulator/faults", self.emulator.base_url()))
            .json(&serde_json::json!({ "faults": faults }))
            .send()
            .await
            .expect("emulator answers")
            .status();
        assert!(status.is_success(), "emulator faults refused: {status}");
    }

    /// What the emulator's Developer API answers at `path`, with the workers' key.
    pub async fn developer_api(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.emulator.base_url()))
            .header("x-goog-api-key", EMULATOR_KEY)
            .send()
            .await
            .expect("the emulator answers")
            .json()
            .await
            .expect("a JSON answer")
    }

    pub async fn patch_emulator(&self, patch: Value) {
        let status = self
            .http
            .patch(format!("{}/_emulator/settings", self.emulator.base_url()))
            .json(&patch)
            .send()
            .await
            .expect("emulator answers")
            .status();
        assert!(
            status.is_success(),
            "emulator settings patch refused: {status}"
        );
    }

    /// Every key of this test's namespace and queues.
    pub async fn all_keys(&self) -> Vec<String> {
        self.namespace.keys().await
    }

    /// Deletes this test's response cache entries. A test that changes what the
    /// emulator answers stands for a changed model or prompt; a changed prompt is a
    /// different request body, hence a different cache key, which an unchanged
    /// request to a re-configured emulator is not.
    pub async fn clear_response_cache(&self) {
        let mut conn = redis_connection().await;
        for key in self.keys_containing(":cache:").await {
            let _: () = redis::cmd("DEL")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .expect("DEL");
        }
    }

    /// Keys of this test whose name or value contains `needle`.
    pub async fn keys_containing(&self, needle: &str) -> Vec<String> {
        let mut conn = redis_connection().await;
        let mut found = Vec::new();
        for key in self.all_keys().await {
            let Some(values) = stored_values(&mut conn, &key).await else {
                continue;
            };
            if key.contains(needle)
                || values
                    .iter()
                    .any(|v| String::from_utf8_lossy(v).contains(needle))
            {
                found.push(key);
            }
        }
        found
    }

    /// Stops the workers (waiting for them) and the servers, then deletes the
    /// namespace's keys.
    pub async fn cleanup(mut self) {
        self.stop_workers().await;
        for stop in self.servers.drain(..) {
            let _ = stop.send(());
        }
    }
}

/// Sets the environment `vars` for the whole process, then runs `test` on a runtime
/// of four threads: for a test that points every store of its process at Redis
/// servers of its own (`TALLY_REDIS_URL`, the sentinels), alone in its binary.
pub fn run_with_env<T: Future>(vars: &[(&str, String)], test: T) -> T::Output {
    for (name, value) in vars {
        // SAFETY: set before any other thread of this process exists (the runtime
        // is built below), and the binary holds this one test.
        unsafe { std::env::set_var(name, value) };
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(test)
}

pub fn queue_settings() -> QueueSettings {
    QueueSettings {
        heartbeat_interval: HEARTBEAT,
        missed_heartbeats: 3,
        ..QueueSettings::default()
    }
}

/// Polls `check` until it holds (panics after `within`, naming `what`).
pub async fn poll<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A request for the sample dataset with the given model configs JSON.
pub fn request(model_configs: &str, extra: &str) -> String {
    request_for(SAMPLE, model_configs, extra)
}

/// A request for `dataset` with the given model configs JSON.
pub fn request_for(dataset: &str, model_configs: &str, extra: &str) -> String {
    format!(r#"{{"dataset_name": "{dataset}", "model_configs": {model_configs}{extra}}}"#)
}
