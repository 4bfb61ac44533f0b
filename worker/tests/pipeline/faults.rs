//! 429s and 503s from the model: every record still reaches a final state, and the
//! retries show in the results and in the metrics.

use std::time::Duration;

use serde_json::json;
use tally_core::contract::{ExperimentStatus, RunStatus};

use crate::harness::{Harness, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limits_and_overload_are_retried_to_a_final_state() {
    let mut harness = Harness::start("faults", 0).await;
    // The next twelve calls fail: six 429s (with a 50 ms RetryInfo delay), six 503s.
    let mut faults = vec![json!({"fault": "rate_limit", "retry_delay_ms": 50}); 6];
    faults.extend(vec![json!({"fault": "unavailable"}); 6]);
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
    let (_, view) = harness
        .submit_and_wait(
            &request(
                r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
                r#", "jobs": 3"#,
            ),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let experiment = &view.record.experiments[0];
    let results = harness.store.all_results(experiment).await.unwrap();
    assert_eq!(results.len(), 10, "every record has a final result");
    let retries: u32 = results.iter().map(|r| r.retries()).sum();
    let rate_limited: u32 = results.iter().map(|r| r.rate_limited).sum();
    assert_eq!(retries, 12, "each injected fault cost one retry");
    assert_eq!(rate_limited, 6);
    let summary = &view.response.unwrap().experiments[0];
    assert_eq!(summary.retries, 12);

    let metrics = harness.worker_metrics(0);
    assert!(
        metrics.contains(r#"tally_worker_model_retries_total{model="gemini-2.5-flash"} 12"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"tally_worker_rate_limited_total{model="gemini-2.5-flash"} 6"#),
        "{metrics}"
    );
    let progress = harness
        .store
        .experiment(experiment)
        .await
        .unwrap()
        .unwrap()
        .progress;
    assert_eq!(
        (progress.done, progress.retries, progress.rate_limited),
        (10, 12, 6)
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_model_that_keeps_failing_fails_its_records_not_the_worker() {
    let mut harness = Harness::start("down", 0).await;
    harness
        .patch_emulator(json!({"models": {"gemini-2.5-flash": {"faults": {"unavailable": 1.0}}}}))
        .await;
    harness.start_worker("w").await;
    let (_, view) = harness
        .submit_and_wait(&request(
            r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}, {"model": "gemini-2.5-flash-lite", "temperature": 0.0}]"#,
            r#", "raise_errors": false"#,
        ), Duration::from_secs(120))
        .await;
    assert_eq!(
        view.status,
        RunStatus::Partial,
        "one experiment failed, one succeeded"
    );
    let response = view.response.unwrap();
    let flash = &response.experiments[0];
    assert_eq!(flash.failed_records, 10);
    assert_eq!(flash.errors_by_kind.get("server_error"), Some(&10));
    assert_eq!(flash.overall_accuracy, 0.0);
    assert_eq!(response.experiments[1].status, ExperimentStatus::Success);
    assert_eq!(response.experiments[1].total_records, 10);
    harness.cleanup().await;
}
