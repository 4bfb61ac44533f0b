//! Batch execution end to end: the sample's records go to the emulator as one
//! batch, its answers are scored and priced at batch rates; a worker killed while
//! the batch runs is replaced without a second batch; a cancelled run cancels it
//! and deletes its input file.

use std::time::Duration;

use serde_json::{Value, json};
use tally_core::contract::RunStatus;
use tally_core::run::ExperimentId;
use tally_gemini::batch::{BatchClient, RequestLine};
use tally_gemini::{PriceTable, Usage};
use tally_test_support::child::ChildGuard;
use tally_test_support::pipeline::WorkerOptions;

use crate::harness::{EMULATOR_KEY, Harness, poll, request};

pub const MODEL: &str = "gemini-2.5-flash";

pub fn batch_request() -> String {
    request(
        &format!(r#"[{{"model": "{MODEL}", "temperature": 0.0}}]"#),
        r#", "execution": "batch", "raise_errors": false"#,
    )
}

/// The emulator's batches (newest first), as the Developer API lists them.
pub async fn emulator_batches(harness: &Harness) -> Vec<Value> {
    let listed = harness.developer_api("/v1beta/batches?pageSize=100").await;
    listed["operations"].as_array().cloned().unwrap_or_default()
}

/// The emulator's files (newest first), as the Files API lists them.
pub async fn emulator_files(harness: &Harness) -> Vec<Value> {
    let listed: Value = harness
        .http
        .get(format!(
            "{}/v1beta/files?pageSize=100",
            harness.emulator.base_url()
        ))
        .header("x-goog-api-key", EMULATOR_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    listed["files"].as_array().cloned().unwrap_or_default()
}

/// The names of the uploaded (not generated) files called `display_name`.
async fn uploaded_named(harness: &Harness, display_name: &str) -> Vec<String> {
    emulator_files(harness)
        .await
        .iter()
        .filter(|f| f["source"] == "UPLOADED" && f["displayName"] == display_name)
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

/// A batch client that sends every part as a file.
fn file_client(harness: &Harness) -> BatchClient {
    BatchClient::new(&harness.gemini_config())
        .unwrap()
        .unwrap()
        .with_inline_limit(1)
}

pub fn text_line(key: &str, text: &str) -> RequestLine {
    let request = json!({"contents": [{"role": "user", "parts": [{"text": text}]}]});
    RequestLine::new(key.to_string(), &request).unwrap()
}

async fn recorded_batches(harness: &Harness, experiment: &ExperimentId) -> usize {
    harness
        .worker_store
        .recorded_batches(experiment)
        .await
        .unwrap()
        .len()
}

/// The Files API's counts (`/_emulator/stats`): `upload_chunks`, `list_pages`, …
async fn file_counts(harness: &Harness) -> Value {
    harness.emulator_json("/_emulator/stats").await["files"].clone()
}

/// Options for a worker that sends every part as a file.
fn files_only() -> WorkerOptions {
    WorkerOptions {
        batch_inline_limit: Some(1),
        ..Default::default()
    }
}

/// Sets the emulator's batch life, starts a worker, submits the batch request and
/// waits until its batch is recorded.
async fn submit_and_wait_for_the_batch(
    harness: &mut Harness,
    life: Value,
    options: WorkerOptions,
) -> (tally_core::run::RunId, ExperimentId) {
    harness.patch_emulator(json!({ "batch": life })).await;
    harness.start_worker_with("w", options).await;
    let run = harness.submit(&batch_request()).await;
    let experiment = harness.first_experiment(&run).await;
    poll(
        "the batch is submitted",
        Duration::from_secs(30),
        || async { recorded_batches(harness, &experiment).await == 1 },
    )
    .await;
    (run, experiment)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_experiment_of_the_sample_completes_at_batch_prices() {
    let mut harness = Harness::start("batch-completes", 0).await;
    harness
        .patch_emulator(json!({"batch": {"pending_ms": 200, "running_ms": 400}}))
        .await;
    harness.start_worker("w").await;
    let run = harness.submit(&batch_request()).await;
    let experiment = harness.first_experiment(&run).await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(60)).await;
    assert_eq!(results.len(), 10);
    let prices = PriceTable::default().batch();
    for result in &results {
        assert!(result.error.is_none(), "{:?}", result.error);
        let usage = Usage {
            prompt_tokens: result.tokens.prompt,
            candidates_tokens: result.tokens.output,
            thoughts_tokens: result.tokens.thinking,
            cached_tokens: result.tokens.cached,
        };
        let batch_cost = prices.cost(MODEL, &usage).unwrap();
        let online_cost = PriceTable::default().cost(MODEL, &usage).unwrap();
        let cost = result.cost_usd.unwrap();
        assert!(
            (cost - batch_cost).abs() < 1e-12,
            "{cost} is the batch price {batch_cost}"
        );
        assert!(
            (cost * 2.0 - online_cost).abs() < 1e-12,
            "half the online {online_cost}"
        );
    }
    let batches = emulator_batches(&harness).await;
    assert_eq!(batches.len(), 1, "the sample fits one batch");
    assert_eq!(
        batches[0]["metadata"]["displayName"],
        format!("tally/{experiment}/p0")
    );
    let progress = harness
        .store
        .experiment(&experiment)
        .await
        .unwrap()
        .unwrap()
        .batch
        .unwrap();
    assert_eq!(
        (
            progress.state.as_str(),
            progress.answered,
            progress.submitted
        ),
        ("answered", 10, 10)
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_while_its_batch_runs_is_replaced_without_a_second_batch() {
    let mut harness = Harness::start("batch-crash", 0).await;
    harness
        .patch_emulator(json!({"batch": {"pending_ms": 4000, "running_ms": 500}}))
        .await;
    let mut doomed = ChildGuard::new(
        harness
            .worker_process(env!("CARGO_BIN_EXE_tally-worker"), "doomed")
            .spawn()
            .expect("the worker binary starts"),
    );
    let run = harness.submit(&batch_request()).await;
    let experiment = harness.first_experiment(&run).await;
    poll(
        "the doomed worker submits the batch",
        Duration::from_secs(30),
        || async { recorded_batches(&harness, &experiment).await == 1 },
    )
    .await;
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();
    assert_eq!(
        harness.store.all_results(&experiment).await.unwrap().len(),
        0,
        "killed while the batch was pending"
    );

    harness.start_worker("survivor").await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(90)).await;
    assert_eq!(emulator_batches(&harness).await.len(), 1, "no second batch");
    assert_eq!(results.len(), 10);
    assert_eq!(harness.done(&experiment).await, 10, "none counted twice");
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancelling_a_batch_run_cancels_its_batch() {
    let mut harness = Harness::start("batch-cancel", 0).await;
    let (run, experiment) = submit_and_wait_for_the_batch(
        &mut harness,
        json!({"pending_ms": 3_600_000}),
        WorkerOptions::default(),
    )
    .await;
    poll("the run is running", Duration::from_secs(30), || async {
        let status = harness.store.run(&run).await.unwrap().unwrap().status;
        status == RunStatus::Running
    })
    .await;
    harness.store.cancel(&run).await.unwrap();
    let view = harness.wait_final(&run, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Cancelled);
    // The worker sees the cancel at its next poll of the batch, cancels it, then
    // shows it cancelled.
    poll(
        "the batch is cancelled",
        Duration::from_secs(60),
        || async {
            let batches = emulator_batches(&harness).await;
            let progress = harness.store.experiment(&experiment).await.unwrap();
            batches.len() == 1
                && batches[0]["metadata"]["state"] == "BATCH_STATE_CANCELLED"
                && progress.and_then(|view| view.batch).map(|b| b.state) == Some("cancelled".into())
        },
    )
    .await;
    harness.cleanup().await;
}

/// A cancelled run's batch will never be read: its input file is deleted with the
/// cancel instead of waiting 48 hours to expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancelling_a_batch_run_deletes_its_input_file() {
    let mut harness = Harness::start("batch-cancel-files", 0).await;
    let (run, experiment) =
        submit_and_wait_for_the_batch(&mut harness, json!({"pending_ms": 3_600_000}), files_only())
            .await;
    let part = format!("tally/{experiment}/p0");
    assert_eq!(
        uploaded_named(&harness, &part).await.len(),
        1,
        "sent as a file"
    );
    harness.store.cancel(&run).await.unwrap();
    let view = harness.wait_final(&run, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Cancelled);
    poll(
        "the batch is cancelled and its input file deleted",
        Duration::from_secs(60),
        || async {
            let batches = emulator_batches(&harness).await;
            batches.len() == 1
                && batches[0]["metadata"]["state"] == "BATCH_STATE_CANCELLED"
                && emulator_files(&harness).await.is_empty()
        },
    )
    .await;
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_batch_is_submitted_once_more_and_completes() {
    let mut harness = Harness::start("batch-expired", 0).await;
    // The first batch cannot finish before it expires; the second is quick.
    let (run, experiment) = submit_and_wait_for_the_batch(
        &mut harness,
        json!({"pending_ms": 3_600_000, "expire_ms": 5000}),
        WorkerOptions::default(),
    )
    .await;
    harness
        .patch_emulator(
            json!({"batch": {"pending_ms": 0, "running_ms": 0, "expire_ms": 172_800_000}}),
        )
        .await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(90)).await;
    assert_eq!(results.len(), 10);
    let batches = emulator_batches(&harness).await;
    let seen: Vec<(String, String)> = batches
        .iter()
        .map(|b| {
            (
                b["metadata"]["displayName"].as_str().unwrap().to_string(),
                b["metadata"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                format!("tally/{experiment}/p0-r"),
                "BATCH_STATE_SUCCEEDED".to_string()
            ),
            (
                format!("tally/{experiment}/p0"),
                "BATCH_STATE_EXPIRED".to_string()
            ),
        ]
    );
    harness.cleanup().await;
}

/// A part over the inline limit (forced to one byte here) goes as an uploaded JSONL
/// file; its answers come back in a responses file and are scored as inline ones;
/// then both files are deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_part_over_the_inline_limit_goes_through_the_files_api() {
    let mut harness = Harness::start("batch-files", 0).await;
    harness
        .patch_emulator(json!({"batch": {"pending_ms": 200, "running_ms": 400}}))
        .await;
    harness.start_worker_with("w", files_only()).await;
    let run = harness.submit(&batch_request()).await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(60)).await;
    // The input file was looked for by its part's name once, before its upload (a
    // dead worker's file is reused or deleted); once the batch settled, its two
    // files were deleted by name, without another listing.
    let counts = file_counts(&harness).await;
    assert_eq!(
        (&counts["list_pages"], &counts["deleted"]),
        (&json!(1), &json!(2)),
        "{counts}"
    );
    assert_eq!(results.len(), 10);
    assert!(
        results
            .iter()
            .all(|r| r.error.is_none() && r.cost_usd.is_some())
    );

    let batches = emulator_batches(&harness).await;
    assert_eq!(batches.len(), 1);
    let name = batches[0]["name"].as_str().unwrap();
    let batch = harness.developer_api(&format!("/v1beta/{name}")).await;
    let responses = batch["response"]["responsesFile"].as_str().unwrap();
    let gone = harness.developer_api(&format!("/v1beta/{responses}")).await;
    assert_eq!(gone["error"]["code"], 403, "{gone}");
    // Once its answers are stored, the batch's input and responses files are
    // deleted rather than left to expire.
    let files = emulator_files(&harness).await;
    assert!(files.is_empty(), "{files:?}");
    harness.cleanup().await;
}

/// The crash point between uploading a part's file and creating its batch, at the
/// client: the file a dead worker uploaded is reused when its bytes are the part's,
/// and deleted (then uploaded anew) when they are not; either way the part has
/// exactly one input file, and it is the batch's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_part_uploaded_before_a_crash_is_reused_or_its_stray_deleted() {
    let harness = Harness::start("batch-upload-crash", 0).await;
    let client = file_client(&harness);
    let lines = [text_line("a", "one"), text_line("b", "two")];

    let uploaded = client.input_file("tally/e/p0", &lines).await.unwrap();
    // The worker died here; the one that resumes creates the batch.
    client.create(MODEL, "tally/e/p0", &lines).await.unwrap();
    assert_eq!(uploaded_named(&harness, "tally/e/p0").await, [uploaded]);

    let stray = client.input_file("tally/e/p1", &lines[..1]).await.unwrap();
    client.create(MODEL, "tally/e/p1", &lines).await.unwrap();
    let kept = uploaded_named(&harness, "tally/e/p1").await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_ne!(kept[0], stray, "the stray of other content is deleted");
    assert_eq!(emulator_batches(&harness).await.len(), 2);
    harness.cleanup().await;
}

/// A worker that died after uploading its part's file left it behind: the worker
/// that runs the experiment deletes the stray and completes with exactly the
/// sample's results, no file left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stray_input_file_is_deleted_and_the_run_completes_once() {
    let mut harness = Harness::start("batch-stray-file", 0).await;
    harness
        .patch_emulator(json!({"batch": {"pending_ms": 200, "running_ms": 400}}))
        .await;
    let run = harness.submit(&batch_request()).await;
    let experiment = harness.first_experiment(&run).await;
    let part = format!("tally/{experiment}/p0");
    let stray = file_client(&harness)
        .input_file(&part, &[text_line("left-behind", "stray")])
        .await
        .unwrap();

    harness.start_worker_with("w", files_only()).await;
    let view = harness.wait_final(&run, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let results = harness.store.all_results(&experiment).await.unwrap();
    assert_eq!(results.len(), 10);
    assert!(results.iter().all(|r| r.error.is_none()), "{results:?}");
    // The stray is gone, and so is the part's own input once its batch settled.
    let files = emulator_files(&harness).await;
    assert!(
        files.is_empty(),
        "{stray} and the part's input remain: {files:?}"
    );
    assert_eq!(emulator_batches(&harness).await.len(), 1);
    harness.cleanup().await;
}
