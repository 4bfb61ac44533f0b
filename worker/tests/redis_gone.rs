//! SIGTERM during a Redis outage: a `tally-worker` whose Redis stopped answering in
//! the middle of a run exits within its shutdown grace (plus a margin) and says what
//! it abandoned. Operators stop workers during outages and Redis restarts; a worker
//! that waits for the store to answer would need SIGKILL.
//!
//! The Redis is frozen rather than killed: a killed Redis on loopback refuses every
//! connection at once, so every store call fails fast, while a Redis that is gone
//! from the network (or hangs) leaves each call waiting for its response timeout.
//! The outage starts shortly before the worker's second sweep is due, so that a
//! sweep pass is caught waiting on the store, as is a lease renewal.
//!
//! The Redis is a private `redis-server`; the shared one is never touched. The test
//! is alone in its binary because it points `TALLY_REDIS_URL` at that server for the
//! whole process (the worker child inherits it).

use std::fs::File;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tally_store::REDIS_URL_ENV;
use tally_test_support::child::ChildGuard;
use tally_test_support::pipeline::{Harness, run_with_env};
use tally_test_support::private_redis::PrivateRedis;

/// Enough records at a second each that the run is still going when Redis goes.
const RECORDS: u32 = 600;
const LATENCY_MS: u64 = 1000;
const GRACE: Duration = Duration::from_secs(5);
/// Beyond the grace: time to notice the signal and let go. Generous; a worker that
/// waits for the store to answer never gets there.
const MARGIN: Duration = Duration::from_secs(15);
/// When the outage starts, after the worker started: its second sweep is due at
/// `tally_worker::sweep::INTERVAL` (30 s) after its first, which it makes at once.
const OUTAGE_AT: Duration = Duration::from_secs(27);

#[test]
fn a_worker_whose_redis_stopped_answering_exits_within_its_grace_on_sigterm() {
    let mut redis = PrivateRedis::start("0");
    let url = redis.url();
    run_with_env(&[(REDIS_URL_ENV, url)], stop_during_outage(&mut redis));
}

async fn stop_during_outage(redis: &mut PrivateRedis) {
    let harness = Harness::start_with_fixture("redis-gone", LATENCY_MS, RECORDS).await;
    let logs = tempfile::tempdir().expect("log dir");
    let log = logs.path().join("worker.log");
    let started = Instant::now();
    let mut worker = ChildGuard::new(
        harness
            .worker_process(env!("CARGO_BIN_EXE_tally-worker"), "stopped")
            .env("TALLY_SHUTDOWN_GRACE_SECS", GRACE.as_secs().to_string())
            .env("RUST_LOG", "info")
            .stderr(Stdio::from(File::create(&log).expect("log file")))
            .spawn()
            .expect("the worker binary starts"),
    );
    let (_, experiment) = harness.submit_fixture_run(8).await;
    harness.wait_for_results(&experiment, 5).await;
    tokio::time::sleep(OUTAGE_AT.saturating_sub(started.elapsed())).await;
    assert!(
        harness.done(&experiment).await < u64::from(RECORDS),
        "the run is still going when Redis goes"
    );

    redis.freeze();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(worker.terminate(), "SIGTERM sent");
    let bound = GRACE + MARGIN;
    let exit = worker.exit_within(bound).await;
    // Redis comes back (empty) whatever the outcome: the harness cleans up in it.
    redis.restart();

    let Some(exit) = exit else {
        panic!(
            "the worker did not exit within {bound:?} of SIGTERM while Redis did not \
             answer; its log ends:\n{}",
            tail(&log)
        );
    };
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        text.contains("abandoned"),
        "the worker says what it abandoned ({exit}); its log ends:\n{}",
        tail(&log)
    );
}

/// The last lines of the worker's log, for a failure message.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
