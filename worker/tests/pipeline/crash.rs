//! `kill -9` of a worker mid-run: another worker takes over its jobs, and the run
//! completes with exactly one result per record.

use std::process::{Command, Stdio};
use std::time::Duration;

use tally_core::contract::RunStatus;
use tally_test_support::child::ChildGuard;

use crate::harness::{EMULATOR_KEY, Harness, poll, repo_datasets, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_worker_loses_nothing_and_counts_nothing_twice() {
    let mut harness = Harness::start("crash", 400).await;
    let mut doomed = ChildGuard::new(
        Command::new(env!("CARGO_BIN_EXE_tally-worker"))
            .env("TALLY_NAMESPACE", harness.store.keys().namespace().as_str())
            .env("TALLY_DATA_DIR", repo_datasets())
            .env("GEMINI_BASE_URL", harness.emulator.base_url())
            .env("GEMINI_API_KEY", EMULATOR_KEY)
            .env("TALLY_HEARTBEAT_SECS", "1")
            .env("TALLY_WORKER_NAME", "doomed")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
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
    poll(
        "the doomed worker writes results",
        Duration::from_secs(30),
        || async {
            harness
                .store
                .experiment(&experiment)
                .await
                .unwrap()
                .unwrap()
                .progress
                .done
                >= 2
        },
    )
    .await;
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();
    let done_at_kill = harness
        .store
        .experiment(&experiment)
        .await
        .unwrap()
        .unwrap()
        .progress
        .done;
    assert!(done_at_kill < 10, "killed mid-run ({done_at_kill} done)");

    harness.start_worker("survivor").await;
    let view = harness.wait_final(&run, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let results = harness.store.all_results(&experiment).await.unwrap();
    assert_eq!(results.len(), 10, "one result per record, none lost");
    let progress = harness
        .store
        .experiment(&experiment)
        .await
        .unwrap()
        .unwrap()
        .progress;
    assert_eq!(progress.done, 10, "none counted twice");
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
