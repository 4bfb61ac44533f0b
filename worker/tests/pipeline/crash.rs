//! `kill -9` of a worker mid-run: another worker takes over its jobs, and the run
//! completes with exactly one result per record.

use std::time::Duration;

use tally_test_support::child::ChildGuard;

use crate::harness::{Harness, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_worker_loses_nothing_and_counts_nothing_twice() {
    let mut harness = Harness::start("crash", 400).await;
    let mut doomed = ChildGuard::new(
        harness
            .worker_process(env!("CARGO_BIN_EXE_tally-worker"), "doomed")
            .spawn()
            .expect("the worker binary starts"),
    );
    let run = harness
        .submit(&request(
            r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
            r#", "jobs": 3"#,
        ))
        .await;
    let experiment = harness.first_experiment(&run).await;
    harness.wait_for_results(&experiment, 2).await;
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();
    let done_at_kill = harness.done(&experiment).await;
    assert!(done_at_kill < 10, "killed mid-run ({done_at_kill} done)");

    harness.start_worker("survivor").await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(60)).await;
    assert_eq!(results.len(), 10, "one result per record, none lost");
    assert_eq!(harness.done(&experiment).await, 10, "none counted twice");
    assert_eq!(
        harness.store.result_totals(&experiment).await.unwrap(),
        tally_core::run::ResultTotals::from_results(&results),
        "the running totals count each result once"
    );
    assert_eq!(
        harness
            .store
            .results_page(&experiment, 0, 100)
            .await
            .unwrap()
            .len(),
        10
    );
    let by_doomed = results
        .iter()
        .filter(|r| r.worker.as_deref() == Some("doomed"))
        .count();
    let by_survivor = results
        .iter()
        .filter(|r| {
            r.worker
                .as_deref()
                .is_some_and(|w| w.starts_with("survivor"))
        })
        .count();
    assert!(
        by_doomed >= 2 && by_survivor >= 1,
        "doomed {by_doomed}, survivor {by_survivor}"
    );
    assert_eq!(by_doomed + by_survivor, 10);
    harness.cleanup().await;
}
