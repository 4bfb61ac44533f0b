//! The `tally` binary against a real tally-api, real workers and gemini-emulator on
//! loopback, in a Redis namespace of its own: what CI and operators run.

use std::process::Output;
use std::time::Duration;

use serde_json::json;
use tally_core::contract::ExperimentResponse;
use tally_core::dataset::load;
use tally_test_support::pipeline::{API_KEY, Harness, SAMPLE, repo_datasets};

mod common;

use common::{describe, tally_as, text};

/// Runs `tally args…` against `api` with the harness's key.
async fn tally(api: &str, args: &[&str]) -> Output {
    tally_as(api, API_KEY, args).await
}

const RUN_QUICK_CI: [&str; 7] = [
    "run",
    "--preset",
    "quick-ci",
    "--dataset",
    SAMPLE,
    "--wait",
    "--fail-under",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waited_run_passes_a_met_threshold_and_exits_3_on_a_missed_one() {
    let mut harness = Harness::start("cli-threshold", 10).await;
    let api = harness.start_api().await;
    harness.start_worker("w").await;

    let mut args = RUN_QUICK_CI.to_vec();
    args.push("overall_accuracy=0.1");
    let passed = tally(&api, &args).await;
    assert_eq!(passed.status.code(), Some(0), "{}", describe(&passed));
    let progress = text(&passed.stderr);
    assert!(
        progress.contains("run run_") && progress.contains("/5"),
        "progress lines on stderr: {}",
        describe(&passed)
    );
    let table = text(&passed.stdout);
    for expected in [
        "experiment",
        "accuracy",
        "gemini-2.5-flash-lite",
        "5/5",
        "EMULATED",
    ] {
        assert!(
            table.contains(expected),
            "{expected}: {}",
            describe(&passed)
        );
    }
    assert!(!table.contains("[#"), "no progress bar on stdout");

    // Every answer now has a slipped digit: the run succeeds, the bar is missed.
    harness
        .patch_emulator(json!({"models": {
            "gemini-2.5-flash": {"errors": {"digit_slip": 1.0}},
            "gemini-2.5-flash-lite": {"errors": {"digit_slip": 1.0}}
        }}))
        .await;
    harness.clear_response_cache().await;
    let mut args = RUN_QUICK_CI.to_vec();
    args.push("overall_accuracy=0.999");
    let missed = tally(&api, &args).await;
    assert_eq!(missed.status.code(), Some(3), "{}", describe(&missed));
    assert!(
        text(&missed.stderr).contains("threshold missed:")
            && text(&missed.stderr).contains("overall_accuracy"),
        "{}",
        describe(&missed)
    );
    assert!(
        text(&missed.stdout).contains("5/5"),
        "{}",
        describe(&missed)
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_is_the_experiment_response() {
    let mut harness = Harness::start("cli-json", 10).await;
    let api = harness.start_api().await;
    harness.start_worker("w").await;

    let output = tally(
        &api,
        &[
            "run",
            "--preset",
            "quick-ci",
            "--dataset",
            SAMPLE,
            "--wait",
            "--output",
            "json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let response: ExperimentResponse = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not an ExperimentResponse ({e}): {}", describe(&output)));
    assert_eq!(response.dataset_name, SAMPLE);
    assert_eq!(response.total_experiments, 2);
    assert_eq!(response.successful_experiments, 2);
    assert!(
        response
            .experiments
            .iter()
            .all(|experiment| experiment.total_records == 5),
        "quick-ci runs the first 5 records"
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datasets_runs_and_presets_from_the_command_line() {
    let mut harness = Harness::start_empty("cli-commands", 10, &repo_datasets()).await;
    let api = harness.start_api().await;

    let imported = tally(&api, &["dataset", "import", SAMPLE]).await;
    assert!(imported.status.success(), "{}", describe(&imported));
    assert!(
        text(&imported.stdout).starts_with(&format!("{SAMPLE} version 1 (10 records, sha256:")),
        "{}",
        describe(&imported)
    );
    let listed = tally(&api, &["dataset", "list"]).await;
    assert!(listed.status.success(), "{}", describe(&listed));
    assert!(
        text(&listed.stdout).contains(SAMPLE) && text(&listed.stdout).contains("latest v1"),
        "{}",
        describe(&listed)
    );

    let presets = tally(&api, &["presets"]).await;
    assert!(presets.status.success(), "{}", describe(&presets));
    for id in ["baseline", "temperature", "quick-ci"] {
        assert!(text(&presets.stdout).contains(id), "{}", describe(&presets));
    }

    // Submitted without --wait: the run id and its status URL, at once.
    let submitted = tally(&api, &["run", "--preset", "quick-ci", "--dataset", SAMPLE]).await;
    assert!(submitted.status.success(), "{}", describe(&submitted));
    let stdout = text(&submitted.stdout);
    let run_id = stdout.lines().next().unwrap_or_default().to_string();
    assert!(run_id.starts_with("run_"), "{}", describe(&submitted));
    assert!(
        stdout.contains(&format!("/api/v1/experiments/runs/{run_id}")),
        "{}",
        describe(&submitted)
    );
    assert!(
        !text(&submitted.stderr).contains("warning"),
        "{}",
        describe(&submitted)
    );
    // A field the API ignores is named on stderr; the run is submitted all the same.
    let models = r#"[{"model": "gemini-2.5-flash", "temperature": 0.0, "colour": "red"}]"#;
    let warned = tally(&api, &["run", "--models", models, "--dataset", SAMPLE]).await;
    assert!(warned.status.success(), "{}", describe(&warned));
    assert!(
        text(&warned.stdout).starts_with("run_"),
        "{}",
        describe(&warned)
    );
    let warnings: Vec<String> = text(&warned.stderr)
        .lines()
        .filter(|line| line.starts_with("warning: "))
        .map(str::to_string)
        .collect();
    assert_eq!(warnings.len(), 1, "{}", describe(&warned));
    assert!(
        warnings[0].starts_with("warning: model_configs[0].colour: "),
        "{}",
        describe(&warned)
    );

    let status = tally(&api, &["status", &run_id]).await;
    assert!(status.status.success(), "{}", describe(&status));
    assert!(
        text(&status.stdout).starts_with(&format!("run {run_id}: queued")),
        "no worker yet, so the run waits: {}",
        describe(&status)
    );
    let listed = tally(&api, &["list"]).await;
    assert!(listed.status.success(), "{}", describe(&listed));
    assert!(
        text(&listed.stdout).contains(&run_id),
        "{}",
        describe(&listed)
    );

    // A worker picks the run up; `status` then shows it final.
    harness.start_worker("w").await;
    let run = tally_core::run::RunId::parse(&run_id).expect("a run id");
    harness.wait_final(&run, Duration::from_secs(60)).await;
    let status = tally(&api, &["status", &run_id]).await;
    assert!(
        text(&status.stdout).starts_with(&format!("run {run_id}: succeeded")),
        "{}",
        describe(&status)
    );

    // A wrong key is refused with the server's reason and status 1.
    let refused = tally_as(&api, "wrong-key-0123456789", &["dataset", "list"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    assert!(
        text(&refused.stderr).starts_with("tally: 401 unauthorized"),
        "{}",
        describe(&refused)
    );
    harness.cleanup().await;
}

/// `tally dataset push DIR`: the folder packed and uploaded is the version the server
/// would import from it, a second push finds that version, and a bad folder is
/// refused with its file and line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_uploads_a_folder_as_the_version_its_import_would_be() {
    // The server's data directory starts empty: the push brings the dataset in.
    let data = tempfile::tempdir().unwrap();
    let mut harness = Harness::start_empty("cli-push", 10, data.path()).await;
    let api = harness.start_api().await;
    let folder = repo_datasets().join(SAMPLE);
    let hash = load(&folder).unwrap().content_hash;
    let folder_arg = folder.to_str().unwrap();

    let pushed = tally(&api, &["dataset", "push", folder_arg]).await;
    assert!(pushed.status.success(), "{}", describe(&pushed));
    let expected = format!("{SAMPLE} version 1 (10 records, {hash})\n");
    assert_eq!(text(&pushed.stdout), expected);
    let again = tally(&api, &["dataset", "push", folder_arg, "--name", SAMPLE]).await;
    assert_eq!(text(&again.stdout), expected, "{}", describe(&again));
    let listed = tally(&api, &["dataset", "list"]).await;
    assert!(
        text(&listed.stdout).contains("latest v1 (10 records)"),
        "{}",
        describe(&listed)
    );

    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("records.jsonl"), "{\"id\": \"a\"}\n").unwrap();
    let refused = tally(
        &api,
        &[
            "dataset",
            "push",
            bad.path().to_str().unwrap(),
            "--name",
            "bad",
        ],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("422 invalid_dataset") && stderr.contains("records.jsonl:1:"),
        "{}",
        describe(&refused)
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_retry_completes_a_run_with_failed_records() {
    let mut harness = Harness::start("cli-retry", 0).await;
    let api = harness.start_api().await;
    // Two calls refused for good (403 is not retried): two of five records fail.
    let faults = vec![json!({"fault": "permission_denied"}); 2];
    let status = harness
        .http
        .post(format!("{}/_emulator/faults", harness.emulator.base_url()))
        .json(&json!({"faults": faults}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success());
    harness.start_worker("w").await;
    let models = r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#;
    let first = tally(
        &api,
        &[
            "run",
            "--models",
            models,
            "--dataset",
            SAMPLE,
            "--sample-size",
            "5",
            "--jobs",
            "1",
            "--no-raise-errors",
            "--wait",
        ],
    )
    .await;
    assert!(text(&first.stdout).contains("3/5"), "{}", describe(&first));
    let list = tally(&api, &["list", "--output", "json", "--limit", "1"]).await;
    let runs: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let run_id = runs["runs"][0]["run_id"].as_str().unwrap().to_string();

    let retry = tally(&api, &["run", "retry", &run_id, "--wait"]).await;
    assert_eq!(retry.status.code(), Some(0), "{}", describe(&retry));
    let table = text(&retry.stdout);
    assert!(
        table.contains(&format!("run {run_id} and its retries")) && table.contains("5/5"),
        "{}",
        describe(&retry)
    );
    let status = tally(&api, &["status", &run_id]).await;
    assert!(
        text(&status.stdout).contains("retried by run run_"),
        "{}",
        describe(&status)
    );
    // The retry's status names, per experiment, the sample positions it executed.
    let child = text(&status.stdout)
        .split("retried by run ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    let child_status = tally(&api, &["status", &child]).await;
    assert!(
        text(&child_status.stdout).contains("retries 2 of ")
            && text(&child_status.stdout).contains(": sample positions "),
        "{}",
        describe(&child_status)
    );
    harness.cleanup().await;
}
