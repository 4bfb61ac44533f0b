//! A run whose finalize never happens still reaches its final state: the sweep
//! finalizes it. The state: every result written, but the worker that wrote the
//! last one died after pushing the finalize job and before finalizing in the chunk,
//! and the job is left in the finalize queue's `scheduled` set by a stalled apalis
//! poller.

use std::sync::Arc;

use apalis::prelude::Data;
use tally_core::contract::RunStatus;
use tally_core::run::RunId;
use tally_store::jobs::FinalizeJob;
use tally_store::jobs::apalis_layout::QueueLayout;
use tally_test_support::namespace::redis_connection;
use tally_worker::jobs::finalize;
use tally_worker::stuck_runs::StuckRuns;

use crate::harness::{Harness, WorkerOptions, request};
use crate::unfinalized::complete_but_not_final;

const ONE_MODEL: &str = r#"[{"model": "gemini-2.5-flash-lite", "temperature": 0.0}]"#;
const NO_RAISE: &str = r#", "raise_errors": false"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_experiment_whose_finalize_job_never_runs_is_finalized_by_the_sweep() {
    let harness = Harness::start("stuck", 0).await;
    let run = harness.submit(&request(ONE_MODEL, NO_RAISE)).await;
    let experiment = harness.first_experiment(&run).await;
    let context = Arc::new(
        harness
            .worker_context("stuck", WorkerOptions::default())
            .await,
    );

    // The dying worker: the last result written and the finalize job pushed, then
    // nothing; and no worker polls the queues.
    complete_but_not_final(&context, &experiment).await;
    let job = FinalizeJob {
        experiment_id: experiment.clone(),
    };
    context.store.queues().push_finalize(job).await.unwrap();
    let view = harness
        .store
        .experiment(&experiment)
        .await
        .unwrap()
        .unwrap();
    assert!(view.progress.is_complete(), "{:?}", view.progress);
    assert_eq!(view.phase.final_status(), None);
    let finalize_queue = QueueLayout::of(harness.store.keys(), "finalize");
    let scheduled: u64 = redis::cmd("ZCARD")
        .arg(finalize_queue.scheduled())
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
    assert_eq!(scheduled, 1, "the finalize job waits for a poll");
    assert_eq!(status(&harness, &run).await, RunStatus::Running);

    // The first sweep gives the finalize job a sweep interval; the second does its work.
    let mut stuck = StuckRuns::default();
    assert_eq!(stuck.sweep(&context).await.unwrap(), 0);
    assert_eq!(status(&harness, &run).await, RunStatus::Running);
    assert_eq!(stuck.sweep(&context).await.unwrap(), 1);
    let final_view = harness.store.run(&run).await.unwrap().unwrap();
    assert_eq!(final_view.status, RunStatus::Succeeded);
    let summary = &final_view.response.as_ref().unwrap().experiments[0];
    assert_eq!(
        summary.successful_records + summary.failed_records,
        view.progress.total,
        "the summary counts the last result too"
    );
    assert_eq!(stuck.sweep(&context).await.unwrap(), 0, "nothing left");

    // The stranded job, run at last, changes nothing.
    let job = FinalizeJob {
        experiment_id: experiment.clone(),
    };
    finalize::handle(job, Data::new(context.clone()))
        .await
        .unwrap();
    let after = harness.store.run(&run).await.unwrap().unwrap();
    assert_eq!(after.response, final_view.response);
    assert_eq!(after.finished_at, final_view.finished_at);
}

async fn status(harness: &Harness, run: &RunId) -> RunStatus {
    harness.store.run(run).await.unwrap().unwrap().status
}
