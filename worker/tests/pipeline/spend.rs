//! The spend cap: what the calls cost within any window of the cap's length stays
//! under the cap, and the run goes on past it to the end.

use std::time::Duration;

use tally_core::contract::RunStatus;
use tally_core::run::RecordStatus;

use crate::harness::{FIXTURE, Harness, WorkerOptions, request_for};

const ONE_MODEL: &str = r#"[{"model": "gemini-2.5-flash-lite", "temperature": 0.0}]"#;
const RECORDS: u32 = 40;
const WINDOW: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spending_per_window_stays_under_the_cap_and_the_run_completes() {
    let mut harness = Harness::start_with_fixture("spend-cap", 0, RECORDS).await;
    // What one record costs, measured on a first run without a cap.
    harness.start_worker("calibrate").await;
    let cache_off = r#", "raise_errors": false, "cache": "off", "sample_size": 4"#;
    let calibration = harness
        .submit(&request_for(FIXTURE, ONE_MODEL, cache_off))
        .await;
    harness
        .wait_final(&calibration, Duration::from_secs(60))
        .await;
    let experiment = harness.first_experiment(&calibration).await;
    let costs: Vec<f64> = harness
        .store
        .all_results(&experiment)
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.cost_usd)
        .collect();
    let per_record = costs.iter().cloned().fold(0.0, f64::max);
    assert!(per_record > 0.0, "the model has a price: {costs:?}");
    harness.stop_workers().await;

    // A cap of twelve records per window: the whole run needs more than three windows.
    let cap = per_record * 12.0;
    let options = WorkerOptions {
        spend_cap: Some((cap, WINDOW)),
        ..WorkerOptions::default()
    };
    harness.start_worker_with("capped", options).await;
    let extra = r#", "raise_errors": false, "cache": "off", "jobs": 4"#;
    let (run, view) = harness
        .submit_and_wait(
            &request_for(FIXTURE, ONE_MODEL, extra),
            Duration::from_secs(120),
        )
        .await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let experiment = harness.first_experiment(&run).await;
    let mut spent: Vec<(i64, f64)> = harness
        .store
        .all_results(&experiment)
        .await
        .unwrap()
        .iter()
        .inspect(|r| assert_eq!(r.status, RecordStatus::Succeeded, "{r:?}"))
        .map(|r| {
            let started = r.finished_at.timestamp_millis() - r.latency_ms as i64;
            (started, r.cost_usd.unwrap_or(0.0))
        })
        .collect();
    assert_eq!(spent.len(), RECORDS as usize, "every record ran");
    spent.sort_by_key(|(started, _)| *started);
    let total: f64 = spent.iter().map(|(_, cost)| cost).sum();
    assert!(total > 3.0 * cap, "the cap was reached: {total} of {cap}");
    // Every window that starts with a call: what the calls starting in it cost.
    let window_ms = WINDOW.as_millis() as i64;
    for (i, (from, _)) in spent.iter().enumerate() {
        let in_window: f64 = spent[i..]
            .iter()
            .take_while(|(started, _)| *started < from + window_ms)
            .map(|(_, cost)| cost)
            .sum();
        assert!(
            in_window <= cap,
            "{in_window} spent in the {WINDOW:?} from {from}, over the cap of {cap}"
        );
    }
}
