//! `kill -9` of a worker in the middle of a Datadog export, then Datadog down for a
//! while: another worker resumes the export once the claim runs out, retries
//! through the outage, and Datadog ends up with every record's span exactly once.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};
use tally_test_support::child::ChildGuard;

use crate::datadog::{
    API_KEY, APP_KEY, export_to, harness_spans, set_outage, wait_for_export,
    wait_for_failed_attempt,
};
use crate::harness::{Harness, WorkerOptions, poll, request};

async fn patch_faults(http: &reqwest::Client, base: &str, patch: Value) {
    let status = http
        .patch(format!("{base}/_emulator/faults"))
        .json(&patch)
        .send()
        .await
        .expect("emulator answers")
        .status();
    assert!(status.is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_export_and_an_outage_still_export_every_record_once() {
    let datadog = datadog_emulator::spawn(datadog_emulator::EmulatorConfig::default())
        .await
        .expect("datadog-emulator");
    let base = datadog.base_url();
    let harness_name = "datadog_crash";
    let mut harness = Harness::start(harness_name, 0).await;
    let http = harness.http.clone();
    // Slow Datadog: the export takes seconds, so the kill lands in the middle of it.
    patch_faults(&http, &base, json!({"latency_ms": 400})).await;
    let mut doomed = ChildGuard::new(
        harness
            .worker_process(env!("CARGO_BIN_EXE_tally-worker"), "doomed")
            .env("DD_API_KEY", API_KEY)
            .env("DD_APP_KEY", APP_KEY)
            .env("DD_LLMOBS_OVERRIDE_ORIGIN", &base)
            .spawn()
            .expect("the worker binary starts"),
    );
    let configs = r#"[{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "a"},
                      {"model": "gemini-2.5-flash-lite", "temperature": 0.4, "name_suffix": "b"}]"#;
    let (run, view) = harness
        .submit_and_wait(
            &request(configs, r#", "project_name": "tally-dd-crash""#),
            Duration::from_secs(60),
        )
        .await;
    let first = format!("exp:{}", view.record.experiments[0]);
    poll(
        "the doomed worker starts the export",
        Duration::from_secs(60),
        || async {
            let progress = harness.store.export_progress(&run).await.unwrap();
            progress.contains_key(&first)
        },
    )
    .await;
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();
    let at_kill = harness.store.export_progress(&run).await.unwrap();
    assert_eq!(
        at_kill["state"], "pending",
        "killed mid-export: {at_kill:?}"
    );

    // Datadog goes down; a survivor takes the export over once the claim runs out,
    // fails against the outage, and finishes it when Datadog is back.
    patch_faults(&http, &base, json!({"latency_ms": 0})).await;
    set_outage(&http, &base, true).await;
    harness
        .start_worker_with(
            "survivor",
            WorkerOptions {
                datadog: Some(export_to(&base)),
                ..WorkerOptions::default()
            },
        )
        .await;
    // The claim runs out two minutes after the doomed worker's last recorded step.
    wait_for_failed_attempt(&harness, &run, Duration::from_secs(180)).await;
    set_outage(&http, &base, false).await;
    wait_for_export(&harness, &run, Duration::from_secs(120)).await;

    let progress = harness.store.export_progress(&run).await.unwrap();
    for experiment_id in &view.record.experiments {
        let datadog_id = &progress[&format!("exp:{experiment_id}")];
        let spans = harness_spans(&http, &base, datadog_id).await;
        let ids: HashSet<&str> = spans
            .iter()
            .map(|s| s["span"]["span_id"].as_str().unwrap())
            .collect();
        assert_eq!(spans.len(), 10, "one span per record, none twice");
        assert_eq!(ids.len(), 10);
    }
    harness.cleanup().await;
}
