//! A request's own Datadog keys: sealed with the server's `TALLY_SEAL_KEY` before
//! they touch Redis, used for its run's export (datadog-emulator takes no other
//! key), deleted once the export is done, and never in Redis, a log line or a
//! response.

use std::time::Duration;

use serde_json::{Value, json};
use tally_core::run::RunId;
use tally_datadog::{DatadogSettings, SealKey};
use tally_test_support::logs::CapturedLogs;
use tally_worker::datadog::DatadogExport;

use crate::datadog::{harness_spans, set_outage, wait_for_export, wait_for_failed_attempt};
use crate::harness::{API_KEY, Harness, SAMPLE, WorkerOptions};

const REQUEST_API_KEY: &str = "request-api-key-7c1e9b2f4a60";
const REQUEST_APP_KEY: &str = "request-app-key-3d8f0a6e5b21";
const SEAL_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

// One thread: the API's, the workers' and the emulator's tasks log through the
// captured subscriber.
#[tokio::test(flavor = "current_thread")]
async fn a_requests_own_keys_are_sealed_used_then_deleted_and_never_shown() {
    let (logs, _guard) = CapturedLogs::start();
    let datadog = datadog_emulator::spawn(datadog_emulator::EmulatorConfig {
        api_keys: vec![REQUEST_API_KEY.to_string()],
        app_keys: vec![REQUEST_APP_KEY.to_string()],
        ..Default::default()
    })
    .await
    .expect("datadog-emulator");
    let base = datadog.base_url();
    let mut harness = Harness::start("datadog_request_keys", 0).await;
    let http = harness.http.clone();
    // Datadog is down at first, so the sealed keys wait in Redis beside the run.
    set_outage(&http, &base, true).await;
    let settings = DatadogSettings {
        override_origin: Some(base.clone()),
        seal_key: Some(SealKey::parse(SEAL_KEY).expect("a seal key")),
        ..DatadogSettings::default()
    };
    harness
        .start_worker_with(
            "dd",
            WorkerOptions {
                datadog: DatadogExport::from_settings(settings),
                ..WorkerOptions::default()
            },
        )
        .await;
    let api = harness
        .start_api_with(&[
            ("TALLY_SEAL_KEY", SEAL_KEY),
            ("DD_LLMOBS_OVERRIDE_ORIGIN", &base),
        ])
        .await;
    let mut responses = String::new();
    let submit = |body: Value| {
        http.post(format!("{api}/api/v1/experiments/run-async"))
            .header("X-API-Key", API_KEY)
            .json(&body)
            .send()
    };

    // An API key alone cannot export (the server has no DD_APP_KEY): refused, unechoed.
    let alone = json!({"dataset_name": SAMPLE, "api_key": REQUEST_API_KEY,
                       "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0.0}]});
    let refused = submit(alone).await.expect("API answers");
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.expect("body");
    assert!(refused.contains("app_key"), "{refused}");
    responses.push_str(&refused);

    let request = json!({"dataset_name": SAMPLE, "project_name": "tally-own-keys",
                         "api_key": REQUEST_API_KEY, "app_key": REQUEST_APP_KEY,
                         "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0.0}]});
    let accepted = submit(request).await.expect("API answers");
    assert_eq!(accepted.status(), 202);
    let accepted = accepted.text().await.expect("body");
    responses.push_str(&accepted);
    let accepted: Value = serde_json::from_str(&accepted).expect("json");
    let run = RunId::parse(accepted["run_id"].as_str().expect("run_id")).expect("a run id");
    let view = harness.wait_final(&run, Duration::from_secs(60)).await;
    wait_for_failed_attempt(&harness, &run, Duration::from_secs(30)).await;
    let sealed = harness.store.export_keys(&run).await.unwrap();
    assert!(
        sealed.is_some(),
        "the run's keys wait, sealed, for the export"
    );
    for secret in [REQUEST_API_KEY, REQUEST_APP_KEY] {
        assert!(
            harness.keys_containing(secret).await.is_empty(),
            "{secret} in Redis"
        );
    }

    set_outage(&http, &base, false).await;
    wait_for_export(&harness, &run, Duration::from_secs(60)).await;
    // Exported with the request's keys (the emulator takes no other), then forgotten.
    assert_eq!(harness.store.export_keys(&run).await.unwrap(), None);
    let progress = harness.store.export_progress(&run).await.unwrap();
    let experiment = &progress[&format!("exp:{}", view.record.experiments[0])];
    assert_eq!(harness_spans(&http, &base, experiment).await.len(), 10);

    responses.push_str(
        &http
            .get(format!("{api}/api/v1/experiments/runs/{run}"))
            .header("X-API-Key", API_KEY)
            .send()
            .await
            .expect("API answers")
            .text()
            .await
            .expect("body"),
    );
    // The drainer records the export in Redis before it logs it: wait for the line.
    let mut logged = logs.text();
    for _ in 0..100 {
        if logged.contains("run exported to Datadog") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        logged = logs.text();
    }
    assert!(
        logged.contains("run exported to Datadog"),
        "logs were captured"
    );
    for secret in [REQUEST_API_KEY, REQUEST_APP_KEY] {
        assert!(
            harness.keys_containing(secret).await.is_empty(),
            "{secret} in Redis"
        );
        assert!(!responses.contains(secret), "{secret} in a response");
        assert!(!logged.contains(secret), "{secret} in a log line");
    }
    harness.cleanup().await;
}
