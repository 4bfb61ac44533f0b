//! A stalled Redis (`CLIENT PAUSE`: every command waits, as on a Redis stuck on a
//! slow disk) delays a run but wedges nothing: during the stall the API still
//! answers — its readiness check gives up on the store after its own deadline —
//! and afterwards the workers carry on and the run completes with every result
//! exactly once.
//!
//! The Redis is a private `redis-server`; the shared one is never paused. The test
//! is alone in its binary because it points `TALLY_REDIS_URL` at that server for
//! the whole process.

use std::time::Duration;

use tally_core::contract::RunStatus;
use tally_store::REDIS_URL_ENV;
use tally_test_support::pipeline::{API_KEY, Harness, run_with_env};
use tally_test_support::private_redis::PrivateRedis;

const RECORDS: u32 = 80;
/// Longer than the readiness probe's deadline (`tally_store::health::PROBE_TIMEOUT`).
const STALL_MS: &str = "4000";

#[test]
fn a_stalled_redis_delays_the_run_and_the_api_keeps_answering() {
    let redis = PrivateRedis::start("0");
    run_with_env(&[(REDIS_URL_ENV, redis.url())], stall(&redis));
}

async fn stall(redis: &PrivateRedis) {
    let mut harness = Harness::start_with_fixture("slow", 200, RECORDS).await;
    harness.start_worker("first").await;
    harness.start_worker("second").await;
    let api = harness.start_api().await;
    let (run, experiment) = harness.submit_fixture_run(2).await;
    let done = || harness.done(&experiment);
    harness.wait_for_results(&experiment, 10).await;

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    // The API is connected and ready before the stall; its probe's answer is
    // reused for a second, so the test lets it age first.
    let ready = client
        .get(format!("{api}/readyz"))
        .send()
        .await
        .expect("API");
    assert_eq!(ready.status(), 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    redis
        .command(&["CLIENT", "PAUSE", STALL_MS, "ALL"])
        .expect("CLIENT PAUSE");
    // Within the stall: the API answers, and says the store is not ready rather
    // than waiting on it. (A wedged API would not answer at all: the client's own
    // timeout, far beyond the stall, is what fails the test then.)
    let readyz = client
        .get(format!("{api}/readyz"))
        .send()
        .await
        .expect("the API answers during the stall");
    assert_eq!(
        readyz.status(),
        503,
        "not ready while Redis does not answer"
    );

    let view = harness.wait_final(&run, Duration::from_secs(180)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let results = harness.store.all_results(&experiment).await.expect("store");
    assert_eq!(results.len(), RECORDS as usize, "every result, none lost");
    assert_eq!(done().await, u64::from(RECORDS), "none counted twice");
    // After the stall the API answers from the store again.
    let status = client
        .get(format!("{api}/api/v1/experiments/runs/{run}"))
        .header("X-API-Key", API_KEY)
        .send()
        .await
        .expect("the API answers");
    assert_eq!(status.status(), 200);
    let ready = client
        .get(format!("{api}/readyz"))
        .send()
        .await
        .expect("the API answers");
    assert_eq!(ready.status(), 200);
    harness.cleanup().await;
}
