//! Records started and results written in groups: a re-executed chunk adds nothing,
//! and one group's starts get one decision per record under the `jobs` cap.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::Data;
use tally_core::run::ExperimentId;
use tally_store::jobs::ChunkJob;
use tally_store::{RecordBegin, RecordStart};
use tally_test_support::namespace::redis_connection;
use tally_worker::jobs::chunk;

use crate::harness::{Harness, WorkerOptions, request};

const ONE_MODEL: &str = r#"[{"model": "gemini-2.5-flash-lite", "temperature": 0.0}]"#;

/// What a chunk's execution leaves: counters, totals, order and start counts.
async fn snapshot(
    harness: &Harness,
    experiment: &ExperimentId,
) -> (String, String, usize, HashMap<String, u64>) {
    let view = harness.store.experiment(experiment).await.unwrap().unwrap();
    let totals = harness.store.result_totals(experiment).await.unwrap();
    let order = harness
        .store
        .results_page(experiment, 0, 1_000)
        .await
        .unwrap();
    let attempts: HashMap<String, u64> = redis::cmd("HGETALL")
        .arg(harness.store.keys().experiment_attempts(experiment))
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
    (
        format!("{:?}", view.progress),
        format!("{totals:?}"),
        order.len(),
        attempts,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_executed_chunk_adds_nothing_and_a_group_of_starts_respects_the_cap() {
    let harness = Harness::start("groups", 0).await;
    let run = harness
        .submit(&request(ONE_MODEL, r#", "raise_errors": false"#))
        .await;
    let experiment = harness.first_experiment(&run).await;
    let context = Arc::new(
        harness
            .worker_context("groups", WorkerOptions::default())
            .await,
    );
    let job = || ChunkJob {
        experiment_id: experiment.clone(),
        chunk: 0,
    };

    // The chunk runs, then runs again (its worker died before the ack).
    chunk::handle(job(), Data::new(context.clone()))
        .await
        .unwrap();
    let once = snapshot(&harness, &experiment).await;
    assert!(once.2 > 0, "the chunk wrote results");
    assert!(once.3.values().all(|&starts| starts == 1), "{:?}", once.3);
    chunk::handle(job(), Data::new(context.clone()))
        .await
        .unwrap();
    assert_eq!(
        snapshot(&harness, &experiment).await,
        once,
        "the second execution adds nothing"
    );

    // One group: a stored key, and three new ones under a cap of 2.
    let stored = once.3.keys().next().unwrap().clone();
    let begin = |key: &str| RecordBegin {
        key: key.to_string(),
        lease: format!("lease-{key}"),
    };
    let group = [
        begin(&stored),
        begin("new-a"),
        begin("new-b"),
        begin("new-c"),
    ];
    let starts = harness
        .worker_store
        .begin_records(&run, &experiment, 2, Duration::from_secs(30), &group)
        .await
        .unwrap();
    assert_eq!(
        starts,
        [
            RecordStart::AlreadyDone,
            RecordStart::Proceed { attempt: 1 },
            RecordStart::Proceed { attempt: 1 },
            RecordStart::Busy,
        ]
    );
    let leases: u64 = redis::cmd("ZCARD")
        .arg(harness.store.keys().experiment_leases(&experiment))
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
    assert_eq!(leases, 2, "one lease per record that proceeds");
    let after = snapshot(&harness, &experiment).await;
    assert_eq!(
        after.3.get(&stored),
        Some(&1),
        "a stored key's start is not counted"
    );
    assert_eq!(
        after.3.get("new-c"),
        None,
        "a busy key's start is not counted"
    );

    // A key started again counts on from its last start, and a key twice in one
    // group is two starts. Leases that expired are dropped once they are in the way:
    // here they fill the cap of 6 with the two live ones.
    let mut redis = redis_connection().await;
    let _: () = redis::cmd("ZADD")
        .arg(harness.store.keys().experiment_leases(&experiment))
        .arg(&[
            (1, "lapsed-1"),
            (1, "lapsed-2"),
            (1, "lapsed-3"),
            (1, "lapsed-4"),
        ])
        .query_async(&mut redis)
        .await
        .unwrap();
    let group = [begin("new-a"), begin("new-d"), begin("new-d")];
    let starts = harness
        .worker_store
        .begin_records(&run, &experiment, 6, Duration::from_secs(30), &group)
        .await
        .unwrap();
    assert_eq!(
        starts,
        [
            RecordStart::Proceed { attempt: 2 },
            RecordStart::Proceed { attempt: 1 },
            RecordStart::Proceed { attempt: 2 },
        ]
    );
    let after = snapshot(&harness, &experiment).await;
    assert_eq!(after.3.get("new-a"), Some(&2));
    assert_eq!(after.3.get("new-d"), Some(&2));
    harness.cleanup().await;
}
