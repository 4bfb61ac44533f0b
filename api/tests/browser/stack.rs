//! `Stack`: everything the UI talks to, for one test — the emulator, a worker and the
//! sample dataset (the pipeline harness), plus a tally-api on 127.0.0.1:0 in the same
//! namespace.

use serde_json::Value;
use tally::contract::ExperimentRequest;
use tally::jobs::{QueueSettings, Queues};
use tally::run::{RunId, Submitter};
use tally::submission::{DEFAULT_MAX_CHUNK_SIZE, Submission, submit};
use tally_api::Application;
use tokio::sync::oneshot;

use crate::harness::Harness;
use crate::helpers::{KEY, test_settings};
use crate::webdriver::Browser;

pub struct Stack {
    pub harness: Harness,
    pub base: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Stack {
    /// The whole pipeline; `latency` is the emulator's per-call latency profile.
    pub async fn start(test: &str, latency: Value) -> Stack {
        let mut harness = Harness::start(test, 20).await;
        for model in ["gemini-2.5-flash", "gemini-2.5-flash-lite"] {
            harness
                .patch_emulator(serde_json::json!({"models": {model: {"latency": latency}}}))
                .await;
        }
        // The production heartbeat: the harness's one-second beat is for crash tests,
        // and on two cores shared with Chromium a worker can miss three of those and be
        // taken for dead while it is working.
        harness.queues = Queues::new(&harness.store, QueueSettings::default());
        harness.start_worker("ui").await;
        let settings = test_settings(harness.store.keys().namespace());
        let application = Application::build(settings).await.expect("the API builds");
        let base = application.base_url().to_string();
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(application.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Stack {
            harness,
            base,
            shutdown: Some(shutdown),
        }
    }

    pub fn ui(&self, hash: &str) -> String {
        format!("{}/ui/{hash}", self.base)
    }

    pub async fn cleanup(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.harness.cleanup().await;
    }
}

/// Opens `url` and answers the key prompt with the test key.
pub async fn sign_in(browser: &Browser, url: &str) {
    browser.goto(url).await;
    browser.type_into("#key-input", KEY).await;
    browser.click("#key-form button[type=submit]").await;
    browser
        .wait_for(
            "the app after the key",
            "return !document.getElementById('app').hidden && document.querySelector('main h1')?.textContent",
            std::time::Duration::from_secs(15),
        )
        .await;
}

impl Stack {
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
        submit(
            &self.harness.store,
            &self.harness.queues,
            submission,
            DEFAULT_MAX_CHUNK_SIZE,
        )
        .await
        .expect("submitted")
        .run_id
    }
}
