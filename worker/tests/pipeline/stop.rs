//! SIGTERM mid-run with Redis up: the worker lets its records in flight finish and
//! exits as soon as its job handlers are done, long before its shutdown grace; the
//! run then completes on another worker with exactly one result per record.

use std::time::Duration;

use serde_json::json;
use tally_test_support::child::ChildGuard;

use crate::harness::Harness;

const RECORDS: u32 = 1000;
/// Far longer than the stop takes: a worker that waits out its grace fails the test.
const GRACE: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_worker_exits_when_its_jobs_are_done_not_at_its_grace() {
    let mut harness = Harness::start_with_fixture("stop", 200, RECORDS).await;
    // No injected faults and no pacing: every record is one 200 ms call, so whatever
    // a handler still runs at SIGTERM ends within seconds.
    let quotas = tempfile::NamedTempFile::new().expect("quotas file");
    std::fs::write(
        quotas.path(),
        "[models.\"gemini-2.5-flash\"]\nrpm = 100000000\ntpm = 0\n",
    )
    .expect("quotas written");
    harness
        .patch_emulator(json!({"models": {"gemini-2.5-flash": {
            "rpm": null, "tpm": null,
            "faults": {"unavailable": 0.0, "internal": 0.0, "contention": 0.0, "timeout": 0.0, "reset": 0.0},
            "errors": {"malformed_json": 0.0, "max_tokens": 0.0}
        }}}))
        .await;
    let mut stopped = ChildGuard::new(
        harness
            .worker_process(env!("CARGO_BIN_EXE_tally-worker"), "stopped")
            .env("TALLY_SHUTDOWN_GRACE_SECS", GRACE.as_secs().to_string())
            .env("TALLY_QUOTAS_FILE", quotas.path())
            .spawn()
            .expect("the worker binary starts"),
    );
    // Sixteen chunks (its default at 200 calls in flight) end after SIGTERM: more
    // than apalis acknowledges while it stops. The run outlasts them.
    let (run, experiment) = harness.submit_fixture_run(200).await;
    harness.wait_for_results(&experiment, 20).await;
    assert!(stopped.terminate(), "SIGTERM sent");
    let exited = stopped.exit_within(GRACE / 4).await;
    assert!(
        exited.is_some(),
        "the worker still runs {:?} after SIGTERM",
        GRACE / 4
    );
    assert!(
        harness.done(&experiment).await < u64::from(RECORDS),
        "stopped mid-run"
    );

    harness.start_worker("after").await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(120)).await;
    assert_eq!(results.len(), RECORDS as usize, "one result per record");
    assert_eq!(
        harness.done(&experiment).await,
        u64::from(RECORDS),
        "none counted twice"
    );
    harness.cleanup().await;
}
