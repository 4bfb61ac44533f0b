//! Retention: a final run's keys expire after the retention period and its job
//! bookkeeping is vacuumed, while a run that is not final is left alone.

use std::time::Duration;

use chrono::Utc;
use tally_core::contract::RunStatus;
use tally_core::run::RunId;
use tally_test_support::namespace::redis_connection;

use crate::harness::{Harness, WorkerOptions, poll, request};

const ONE_MODEL: &str = r#"[{"model": "gemini-2.5-flash-lite", "temperature": 0.0}]"#;
/// The emulator's error profile fails a record now and then: that must not end the run.
const NO_RAISE: &str = r#", "raise_errors": false"#;

async fn ttl_ms(key: &str) -> i64 {
    let mut conn = redis_connection().await;
    redis::cmd("PTTL")
        .arg(key)
        .query_async(&mut conn)
        .await
        .unwrap()
}

/// Every id a run leaves in keys: its own and its experiments'.
async fn ids_of(harness: &Harness, run: &RunId) -> Vec<String> {
    let view = harness.store.run(run).await.unwrap().unwrap();
    let mut ids = vec![run.to_string()];
    ids.extend(view.record.experiments.iter().map(|e| e.to_string()));
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_run_leaves_nothing_and_a_live_run_is_untouched() {
    let mut harness = Harness::start("retention", 0).await;
    let options = WorkerOptions {
        retention: Some(Duration::from_secs(2)),
        ..WorkerOptions::default()
    };
    harness.start_worker_with("w", options).await;
    let finished = harness.submit(&request(ONE_MODEL, NO_RAISE)).await;
    let view = harness.wait_final(&finished, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let finished_ids = ids_of(&harness, &finished).await;
    poll(
        "the final run is retired",
        Duration::from_secs(10),
        || async { harness.store.is_retired(&finished).await.unwrap() },
    )
    .await;
    let run_key = harness.store.keys().run(&finished);
    let ttl = ttl_ms(&run_key).await;
    assert!(
        ttl > 0 && ttl <= 2_000,
        "a retired run expires: ttl {ttl} ms"
    );
    assert!(
        !harness
            .keys_containing(finished_ids[1].as_str())
            .await
            .is_empty(),
        "its experiment and job bookkeeping exist until then"
    );

    // A run that is not final (no worker takes it) must survive every sweep.
    harness.stop_workers().await;
    let live = harness.submit(&request(ONE_MODEL, NO_RAISE)).await;
    let live_ids = ids_of(&harness, &live).await;
    let live_keys_before = {
        let mut keys = Vec::new();
        for id in &live_ids {
            keys.extend(harness.keys_containing(id).await);
        }
        keys.sort();
        keys
    };
    assert!(!live_keys_before.is_empty());

    poll(
        "the expired run leaves no key behind",
        Duration::from_secs(30),
        || async {
            // As every worker's sweep does, with "now" far enough ahead that nothing waits.
            let later = Utc::now() + chrono::TimeDelta::hours(1);
            harness
                .worker_store
                .vacuum_due(later, Duration::from_secs(60), 100)
                .await
                .unwrap();
            harness
                .worker_store
                .prune_expired(Utc::now(), 100)
                .await
                .unwrap();
            let mut left = Vec::new();
            for id in &finished_ids {
                left.extend(harness.keys_containing(id).await);
            }
            left.is_empty()
        },
    )
    .await;
    assert!(harness.store.run(&finished).await.unwrap().is_none());
    let listed = harness
        .store
        .list_runs(&tally_store::RunFilter::default(), 0, 100)
        .await
        .unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| r.record.run_id.clone())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&live),
        "the index holds the live run only"
    );

    let mut live_keys_after = Vec::new();
    for id in &live_ids {
        live_keys_after.extend(harness.keys_containing(id).await);
    }
    live_keys_after.sort();
    assert_eq!(
        live_keys_after, live_keys_before,
        "the live run is untouched"
    );
    let live_view = harness.store.run(&live).await.unwrap().unwrap();
    assert_eq!(live_view.status, RunStatus::Queued);
    assert_eq!(ttl_ms(&harness.store.keys().run(&live)).await, -1);
    harness.cleanup().await;
}
