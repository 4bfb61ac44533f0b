//! An experiment that ends without a chunk — a retry with nothing to run, a batch
//! experiment whose last batch is answered — is finalized by the job that ended it,
//! not left to the queued finalize job (another round trip through the queue). Here
//! no queue is polled: the plan job runs by hand, and the queued
//! finalize job is still waiting when the run is already final.

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::Data;
use serde_json::json;
use tally_core::contract::RunStatus;
use tally_core::run::{ExperimentId, RunId, Submitter};
use tally_store::RetryOutcome;
use tally_store::jobs::PlanJob;
use tally_store::submission::DEFAULT_MAX_CHUNK_SIZE;
use tally_worker::jobs::plan;

use crate::batch::batch_request;
use crate::harness::{Harness, WorkerOptions, request};

const ONE_MODEL: &str = r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#;

/// The finalize jobs waiting in the queue.
async fn finalize_jobs_waiting(harness: &Harness) -> u64 {
    let depths = harness.store.queue_depths().await.unwrap();
    depths
        .iter()
        .find(|d| d.kind == "finalize")
        .unwrap()
        .waiting
}

/// Runs `experiment`'s plan job on a worker context of its own (no queue polled),
/// then checks that `run` is final and the experiment's finalize job still waits in
/// the queue: nobody ran it.
async fn plan_by_hand_makes_the_run_final(
    harness: &Harness,
    experiment: &ExperimentId,
    run: &RunId,
) {
    // The first run's own finalize job may still wait too (its last chunk finalized it).
    let waiting = finalize_jobs_waiting(harness).await;
    let context = harness
        .worker_context("planner", WorkerOptions::default())
        .await;
    let job = PlanJob {
        experiment_id: experiment.clone(),
    };
    plan::handle(job, Data::new(Arc::new(context)))
        .await
        .unwrap();
    let view = harness.store.run(run).await.unwrap().unwrap();
    assert_eq!(view.status, RunStatus::Succeeded, "{:?}", view.response);
    assert_eq!(
        finalize_jobs_waiting(harness).await,
        waiting + 1,
        "the queued finalize job is the backstop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_with_nothing_to_run_is_final_when_its_plan_returns() {
    let mut harness = Harness::start("finalize-inline-plan", 0).await;
    harness.start_worker("w").await;
    let parent = harness
        .submit(&request(ONE_MODEL, r#", "raise_errors": false"#))
        .await;
    harness
        .wait_succeeded(&parent, Duration::from_secs(60))
        .await;
    harness.stop_workers().await;

    // Every record succeeded: the retry's experiment has no chunk.
    let submitter = Submitter {
        api_key_name: Some("test".into()),
        schedule: None,
    };
    let outcome = harness
        .store
        .retry(&parent, submitter, DEFAULT_MAX_CHUNK_SIZE)
        .await
        .unwrap();
    let RetryOutcome::Created {
        run_id, records, ..
    } = outcome
    else {
        panic!("a retry is created: {outcome:?}");
    };
    assert_eq!(records, [0], "nothing to run");
    let experiment = harness.first_experiment(&run_id).await;
    plan_by_hand_makes_the_run_final(&harness, &experiment, &run_id).await;
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_experiment_is_final_when_its_plan_returns() {
    let harness = Harness::start("finalize-inline-batch", 0).await;
    harness
        .patch_emulator(json!({"batch": {"pending_ms": 100, "running_ms": 200}}))
        .await;
    let run = harness.submit(&batch_request()).await;
    let experiment = harness.first_experiment(&run).await;
    plan_by_hand_makes_the_run_final(&harness, &experiment, &run).await;
    harness.cleanup().await;
}
