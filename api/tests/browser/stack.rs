//! `Stack`: everything the UI talks to, for one test — the emulator, a worker, the
//! sample dataset and a tally-api, all in one namespace (`tally-test-support`'s
//! pipeline harness).

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tally_core::contract::ExperimentRequest;
use tally_core::run::{RunId, Submitter};
use tally_store::jobs::QueueSettings;
use tally_store::submission::{DEFAULT_MAX_CHUNK_SIZE, Submission};
use tally_test_support::pipeline::{API_KEY, Harness, WorkerOptions, repo_datasets};

use crate::webdriver::Browser;

pub struct Stack {
    pub harness: Harness,
    pub base: String,
}

impl Stack {
    /// The whole pipeline; `latency` is the emulator's per-call latency profile.
    pub async fn start(test: &str, latency: Value) -> Stack {
        Stack::start_with(test, latency, &repo_datasets(), &[]).await
    }

    /// `start` over the data folder `data_dir` (one a test may write to), the API
    /// started with `api_env` on top of the harness's environment.
    pub async fn start_with(
        test: &str,
        latency: Value,
        data_dir: &Path,
        api_env: &[(&str, &str)],
    ) -> Stack {
        let mut harness = Harness::start_with_data(test, 20, data_dir).await;
        for model in ["gemini-2.5-flash", "gemini-2.5-flash-lite"] {
            harness
                .patch_emulator(serde_json::json!({"models": {model: {"latency": latency}}}))
                .await;
        }
        // The production heartbeat: the harness's one-second beat is for crash tests,
        // and on two cores shared with Chromium a worker can miss three of those and be
        // taken for dead while it is working.
        let production_beats = WorkerOptions {
            queues: Some(QueueSettings::default()),
            ..WorkerOptions::default()
        };
        harness.start_worker_with("ui", production_beats).await;
        let base = harness.start_api_with(api_env).await;
        Stack { harness, base }
    }

    pub fn ui(&self, hash: &str) -> String {
        format!("{}/ui/{hash}", self.base)
    }

    /// Submits the schedule's request as the scheduler does: a run whose submitter is
    /// the schedule.
    pub async fn scheduled_run(&self, schedule: &Value) -> RunId {
        let request = serde_json::to_vec(&schedule["request"]).expect("request JSON");
        let submission = Submission {
            request: ExperimentRequest::from_json_bytes(&request).expect("valid request"),
            submitter: Submitter {
                api_key_name: None,
                schedule: schedule["name"].as_str().map(str::to_string),
            },
            idempotency: None,
        };
        self.harness
            .store
            .submit(submission, DEFAULT_MAX_CHUNK_SIZE)
            .await
            .expect("submitted")
            .run_id
    }

    pub async fn sign_in(&self, browser: &Browser, hash: &str) {
        sign_in(browser, &self.ui(hash), API_KEY).await;
    }

    pub async fn cleanup(self) {
        self.harness.cleanup().await;
    }
}

/// Opens `url` and answers the key prompt with `key`.
pub async fn sign_in(browser: &Browser, url: &str, key: &str) {
    browser.goto(url).await;
    browser.type_into("#key-input", key).await;
    browser.click("#key-form button[type=submit]").await;
    browser
        .wait_for(
            "the app after the key",
            "return !document.getElementById('app').hidden && document.querySelector('main h1')?.textContent",
            Duration::from_secs(15),
        )
        .await;
}
