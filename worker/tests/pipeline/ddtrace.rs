//! Datadog's own SDK reads what tally wrote: ddtrace (pinned, in the venv of
//! `tools/datadog-emulator/sdk-check/venv.sh`) creates a dataset in
//! datadog-emulator from the sample's records; tally imports it from "Datadog",
//! runs two experiments on it and exports them; ddtrace pulls each experiment back
//! and must find every record's span, evaluations and the summary metrics.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::datadog::{API_KEY, APP_KEY, export_to, wait_for_export};
use crate::harness::{Harness, SAMPLE, WorkerOptions, repo_datasets, request_for};

const PROJECT: &str = "tally-roundtrip";

/// Runs one step of `roundtrip.py` against the emulator at `origin`.
async fn sdk(origin: &str, args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tools/datadog-emulator/sdk-check/roundtrip.sh");
    let output = tokio::process::Command::new("bash")
        .arg(script)
        .args(args)
        .env(
            "DDTRACE_VENV",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/ddtrace-venv"),
        )
        .env("DD_LLMOBS_OVERRIDE_ORIGIN", origin)
        .env("DD_API_KEY", API_KEY)
        .env("DD_APP_KEY", APP_KEY)
        .env("DD_LLMOBS_PROJECT_NAME", PROJECT)
        .output()
        .await
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("roundtrip: "),
        "roundtrip.py {args:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}

#[tokio::test]
async fn ddtrace_reads_back_the_experiments_tally_ran_on_its_dataset() {
    let datadog = datadog_emulator::spawn(datadog_emulator::EmulatorConfig {
        page_size: 4,
        ..Default::default()
    })
    .await
    .expect("datadog-emulator");
    let base = datadog.base_url();
    let records = repo_datasets().join(SAMPLE).join("records.jsonl");
    sdk(&base, &["create", SAMPLE, &records.display().to_string()]).await;

    let mut harness = Harness::start("ddtrace_roundtrip", 0).await;
    harness
        .start_worker_with(
            "dd",
            WorkerOptions {
                datadog: Some(export_to(&base)),
                ..WorkerOptions::default()
            },
        )
        .await;
    let api = harness
        .start_api_with(&[
            ("DD_API_KEY", API_KEY),
            ("DD_APP_KEY", APP_KEY),
            ("DD_LLMOBS_OVERRIDE_ORIGIN", &base),
        ])
        .await;
    let imported: Value = harness
        .http
        .post(format!("{api}/api/v1/datasets/import"))
        .header("X-API-Key", crate::harness::API_KEY)
        .json(&json!({"datadog": {"project_name": PROJECT, "dataset_name": SAMPLE}}))
        .send()
        .await
        .expect("API answers")
        .json()
        .await
        .expect("json");
    let version = imported["version"].as_u64().expect("imported: {imported}");
    assert!(imported["datadog"]["dataset_id"].is_string(), "{imported}");

    let configs = r#"[{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "a"},
                      {"model": "gemini-2.5-flash-lite", "temperature": 0.4, "name_suffix": "b"}]"#;
    let extra = format!(r#", "project_name": "{PROJECT}", "dataset_version": {version}"#);
    let (run, view) = harness
        .submit_and_wait(
            &request_for(SAMPLE, configs, &extra),
            Duration::from_secs(60),
        )
        .await;
    wait_for_export(&harness, &run, Duration::from_secs(60)).await;
    let progress = harness.store.export_progress(&run).await.unwrap();
    // The experiments ran on the dataset ddtrace made, not on a copy.
    assert_eq!(progress["dataset_id"], imported["datadog"]["dataset_id"]);
    let experiments: Vec<String> = view
        .record
        .experiments
        .iter()
        .map(|id| progress[&format!("exp:{id}")].clone())
        .collect();
    let mut args = vec!["check", SAMPLE];
    args.extend(experiments.iter().map(String::as_str));
    sdk(&base, &args).await;
    harness.cleanup().await;
}
