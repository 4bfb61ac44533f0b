//! Cancelling a run mid-way: workers stop taking its records, the run ends
//! `cancelled` with what was done.

use std::time::Duration;

use tally_core::contract::{ExperimentStatus, RunStatus};
use tally_store::CancelOutcome;

use crate::harness::{Harness, poll, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancelled_run_stops_and_ends_cancelled() {
    let mut harness = Harness::start("cancel", 300).await;
    harness.start_worker("w").await;
    let run = harness
        .submit(&request(
            r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
            r#", "jobs": 1"#,
        ))
        .await;
    let experiment = harness.first_experiment(&run).await;
    poll("a first result", Duration::from_secs(30), || async {
        harness
            .store
            .experiment(&experiment)
            .await
            .unwrap()
            .unwrap()
            .progress
            .done
            >= 1
    })
    .await;
    assert_eq!(
        harness.store.cancel(&run).await.unwrap(),
        CancelOutcome::Requested
    );
    let view = harness.wait_final(&run, Duration::from_secs(30)).await;
    assert_eq!(view.status, RunStatus::Cancelled);
    let summary = &view.response.unwrap().experiments[0];
    assert_eq!(summary.status, ExperimentStatus::Cancelled);
    assert!(summary.successful_records < 10, "the run stopped early");
    assert_eq!(
        harness.store.cancel(&run).await.unwrap(),
        CancelOutcome::AlreadyFinal(RunStatus::Cancelled)
    );
    harness.cleanup().await;
}
