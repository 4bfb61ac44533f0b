//! Queue liveness read from a real Redis: the wait of the job next in line, and the
//! workers that beat recently. Jobs are pushed through the real queues; beats and old
//! jobs are written where apalis-redis keeps them, with chosen times.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tally_core::run::ExperimentId;
use tally_store::WorkerStore;
use tally_store::jobs::{FinalizeJob, PlanJob, QueueSettings, WORKER_ALIVE_WITHIN};
use tally_test_support::namespace::{TestNamespace, redis_connection};

/// A worker's store in `namespace` (whose keys go when the test drops it).
async fn store(namespace: &TestNamespace) -> WorkerStore {
    WorkerStore::connect(&namespace.store_settings(), QueueSettings::default())
        .await
        .unwrap()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn the_next_job_in_line_says_how_long_it_has_waited() {
    let namespace = TestNamespace::new("liveness:age");
    let store = store(&namespace).await;
    let queues = store.queues();
    let empty = store.oldest_waiting(now_ms()).await.unwrap();
    assert_eq!(
        empty
            .iter()
            .map(|age| (age.kind, age.oldest_waiting))
            .collect::<Vec<_>>(),
        [("plan", None), ("chunk", None), ("finalize", None)]
    );

    // A plan pushed now waits (in the scheduled set until a worker fetches).
    queues
        .push_plan(PlanJob {
            experiment_id: ExperimentId::generate(),
        })
        .await
        .unwrap();
    // A finalize job that has waited five minutes at the head of the active list
    // (where orphan recovery puts the jobs of a dead worker back).
    let enqueued = now_ms() - 300_000;
    let old_id = ulid::Ulid::from_parts(enqueued, 7).to_string();
    let active = queues.finalize.get_config().active_jobs_list();
    let _: () = redis::cmd("RPUSH")
        .arg(&active)
        .arg(&old_id)
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
    // A newer finalize job behind it does not hide the old one.
    queues
        .push_finalize(FinalizeJob {
            experiment_id: ExperimentId::generate(),
        })
        .await
        .unwrap();

    let later = now_ms() + 10_000;
    let ages = store.oldest_waiting(later).await.unwrap();
    let plan = ages[0].oldest_waiting.expect("the plan waits");
    assert!(
        plan >= Duration::from_secs(10) && plan < Duration::from_secs(60),
        "{plan:?}"
    );
    assert_eq!(ages[1].oldest_waiting, None, "no chunk job");
    let finalize = ages[2].oldest_waiting.expect("finalize jobs wait");
    assert!(
        finalize >= Duration::from_secs(310) && finalize < Duration::from_secs(360),
        "{finalize:?}"
    );
}

#[tokio::test]
async fn only_workers_that_beat_recently_count_as_alive() {
    let namespace = TestNamespace::new("liveness:workers");
    let store = store(&namespace).await;
    let queues = store.queues();
    let now = now_ms() / 1000;
    assert_eq!(
        store.workers_alive(now, WORKER_ALIVE_WITHIN).await.unwrap(),
        0
    );
    let workers = queues.chunk.get_config().workers_set();
    for (name, beat) in [
        ("w1-chunk-0", now - 2),
        ("w2-chunk-0", now - 30),
        ("gone-chunk-0", now - 600),
    ] {
        let _: () = redis::cmd("ZADD")
            .arg(&workers)
            .arg(beat)
            .arg(name)
            .query_async(&mut redis_connection().await)
            .await
            .unwrap();
    }
    assert_eq!(
        store.workers_alive(now, WORKER_ALIVE_WITHIN).await.unwrap(),
        2
    );
    assert_eq!(
        store
            .workers_alive(now, Duration::from_secs(10))
            .await
            .unwrap(),
        1
    );
}
