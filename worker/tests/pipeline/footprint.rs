//! What a run's results take of Redis, measured (`MEMORY USAGE`) on the sample: no
//! more than the footprint check assumes per result (`tally_store::BYTES_PER_RESULT`),
//! so a run the check lets through is not larger than it was told.

use std::time::Duration;

use tally_store::BYTES_PER_RESULT;
use tally_test_support::namespace::redis_connection;

use crate::harness::{Harness, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn results_take_no_more_than_the_footprint_says() {
    let mut harness = Harness::start("footprint", 0).await;
    harness.start_worker("w1").await;
    let run = harness
        .submit(&request(
            r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
            r#", "raise_errors": false"#,
        ))
        .await;
    harness.wait_final(&run, Duration::from_secs(60)).await;
    let experiment = harness.first_experiment(&run).await;
    let keys = harness.store.keys();
    let mut conn = redis_connection().await;
    let mut bytes = 0u64;
    for key in [
        keys.experiment_results(&experiment),
        keys.experiment_order(&experiment),
        keys.experiment_attempts(&experiment),
    ] {
        let usage: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(&key)
            .arg("SAMPLES")
            .arg(0)
            .query_async(&mut conn)
            .await
            .expect("MEMORY USAGE");
        bytes += usage.unwrap_or(0);
    }
    let results = harness.store.all_results(&experiment).await.expect("store");
    assert_eq!(results.len(), 10);
    let per_result = bytes / results.len() as u64;
    println!("10 results: {bytes} bytes in Redis, {per_result} per result");
    assert!(
        per_result <= BYTES_PER_RESULT,
        "{per_result} bytes per result; the footprint assumes {BYTES_PER_RESULT}"
    );
    harness.cleanup().await;
}
