//! `on_daily_quota: "fail"`: once the model's requests per day are used up, the
//! experiment fails at once, naming the model and when the quota resets, instead
//! of waiting for midnight Pacific.

use std::time::Duration;

use tally_core::contract::{ExperimentStatus, RunStatus};
use tally_worker::quotas::Quotas;

use crate::harness::{Harness, WorkerOptions, request};

const ONE_MODEL: &str = r#"[{"model": "gemini-2.5-flash-lite", "temperature": 0.0}]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_up_daily_quota_fails_an_experiment_that_asks_to_fail() {
    let mut harness = Harness::start("daily-fail", 0).await;
    let quotas = Quotas::from_toml(
        Some("[models.\"gemini-2.5-flash-lite\"]\nrpd = 3\n"),
        "three requests a day",
    )
    .unwrap();
    let options = WorkerOptions {
        quotas: Some(quotas),
        ..WorkerOptions::default()
    };
    harness.start_worker_with("w", options).await;
    // Cached answers make no request: every record must call the model.
    let extra = r#", "raise_errors": false, "cache": "off", "on_daily_quota": "fail""#;
    let run = harness.submit(&request(ONE_MODEL, extra)).await;

    let view = harness.wait_final(&run, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Failed);
    let response = view.response.expect("a final run has its response");
    let experiment = &response.experiments[0];
    assert_eq!(experiment.status, ExperimentStatus::Failed);
    let error = experiment.error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("the daily quota of gemini-2.5-flash-lite is used up until "),
        "{error}"
    );
    assert!(
        experiment.successful_records < experiment.total_records,
        "the quota ran out before the sample did: {experiment:?}"
    );
    harness.cleanup().await;
}
