//! Test helpers: small real PNGs, a dataset folder with known answers, an emulator
//! on a free port, and a client pointed at it.

use std::path::Path;
use std::time::Duration;

use gemini_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::{Value, json};
use tally_core::dataset::DatasetRecord;
use tally_gemini::{GeminiClient, GeminiConfig, GenerationSettings, Page, RetryPolicy, Secret};

pub const API_KEY: &str = "test-key";

pub use gemini_emulator::fixtures::{dataset_folder, expected_reports, png, write_dataset};

/// Emulator settings for tests: no latency, our key.
pub fn test_config() -> EmulatorConfig {
    let mut config = EmulatorConfig::default().with_fixed_latency(0);
    config.api_keys = vec![API_KEY.to_string()];
    config
}

pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    gemini_emulator::spawn(config)
        .await
        .expect("emulator starts")
}

/// A Developer API client for `emulator` with fast retries.
pub fn client(emulator: &RunningEmulator) -> GeminiClient {
    client_with(emulator, |_| {})
}

pub fn client_with(
    emulator: &RunningEmulator,
    adjust: impl FnOnce(&mut GeminiConfig),
) -> GeminiClient {
    let mut config = GeminiConfig::developer(Secret::new(API_KEY));
    config.base_url = Some(emulator.base_url());
    config.retry = fast_retries();
    adjust(&mut config);
    GeminiClient::new(config).expect("client builds")
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        total_budget: Duration::from_secs(30),
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

pub fn pages(root: &Path, record: &DatasetRecord) -> Vec<Page> {
    Page::of_record(&dataset_folder(root), record)
}

/// Settings every built-in model accepts (2.0 models stop at 8192 output tokens).
pub fn settings(model: &str) -> GenerationSettings {
    GenerationSettings {
        seed: Some(1),
        max_output_tokens: 8192,
        ..GenerationSettings::new(model, 0.0)
    }
}

/// A small introspection client.
pub struct Inspect {
    http: reqwest::Client,
    base: String,
}

impl Inspect {
    pub fn new(emulator: &RunningEmulator) -> Self {
        Inspect {
            http: reqwest::Client::new(),
            base: emulator.base_url(),
        }
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn patch_settings(&self, patch: Value) {
        let response = self
            .http
            .patch(format!("{}/_emulator/settings", self.base))
            .json(&patch)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "settings patch refused: {}",
            response.text().await.unwrap()
        );
    }

    pub async fn faults(&self, faults: Value) {
        self.post("/_emulator/faults", json!({"faults": faults}))
            .await;
    }

    /// Requests that reached `model` (any outcome).
    pub async fn requests_to(&self, model: &str) -> u64 {
        self.get("/_emulator/stats").await["models"][model]["requests"]
            .as_u64()
            .unwrap_or(0)
    }

    pub async fn logged(&self) -> Vec<Value> {
        self.get("/_emulator/requests").await["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}
