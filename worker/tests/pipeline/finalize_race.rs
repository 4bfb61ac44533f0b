//! Finalize run by several hands at once — the chunk that wrote the last result, the
//! queued finalize job, the sweep, two chunks that ended together — makes the
//! experiment and its run final once: one notice each, one count in the metrics,
//! and the run's response holds the experiment's stored summary.

use std::sync::Arc;

use futures::StreamExt;
use tally_core::contract::RunStatus;
use tally_store::events::{Notice, subscribe};
use tally_test_support::namespace::redis_connection;
use tally_worker::jobs::finalize::finalize;

use crate::harness::{Harness, WorkerOptions, request};
use crate::unfinalized::complete_but_not_final;

const ONE_MODEL: &str = r#"[{"model": "gemini-2.5-flash-lite", "temperature": 0.0}]"#;
const NO_RAISE: &str = r#", "raise_errors": false"#;
/// Published after the finalizers: the notices before it are theirs.
const MARKER: &str = "marker";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalizers_at_once_make_the_experiment_and_run_final_once() {
    let harness = Harness::start("finalize-race", 0).await;
    let run = harness.submit(&request(ONE_MODEL, NO_RAISE)).await;
    let experiment = harness.first_experiment(&run).await;
    let context = Arc::new(
        harness
            .worker_context("race", WorkerOptions::default())
            .await,
    );
    complete_but_not_final(&context, &experiment).await;
    let notices = subscribe(&harness.store_settings).await.unwrap();
    let mut notices = std::pin::pin!(notices);
    assert_eq!(notices.next().await, Some(Notice::Resync));

    // Polled on one task over the store's one connection: every finalizer reads the
    // experiment as not final before any of them writes it.
    let (first, second, third) = tokio::join!(
        finalize(&context, &experiment),
        finalize(&context, &experiment),
        finalize(&context, &experiment),
    );
    for outcome in [first, second, third] {
        outcome.unwrap();
    }
    let _: u64 = redis::cmd("PUBLISH")
        .arg(harness.store.keys().events())
        .arg(MARKER)
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
    let mut seen = Vec::new();
    while let Some(notice) = notices.next().await {
        if notice == Notice::Changed(MARKER.to_string()) {
            break;
        }
        seen.push(notice);
    }
    assert_eq!(
        seen,
        [
            Notice::Changed(experiment.to_string()),
            Notice::Changed(run.to_string())
        ],
        "each final state announced once"
    );
    let finalized = context
        .metrics
        .experiments_finalized
        .with_label_values(&["success"])
        .get();
    assert_eq!(finalized, 1, "counted once");

    let view = harness.store.run(&run).await.unwrap().unwrap();
    assert_eq!(view.status, RunStatus::Succeeded);
    let stored = harness
        .store
        .experiment(&experiment)
        .await
        .unwrap()
        .unwrap()
        .summary
        .unwrap();
    assert_eq!(view.response.unwrap().experiments, [stored]);
    harness.cleanup().await;
}
