//! `jobs::apalis_layout` checked against the real apalis-redis: plan jobs are pushed
//! through tally's queues and worked by a real apalis worker, and every key, type and
//! value the adapter names is looked at where apalis-redis put it. An apalis-redis
//! upgrade that moves or retypes any of them, or keeps a finished job anywhere the
//! vacuum does not delete, fails here.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use apalis::prelude::{BackendExt, Data, Monitor, WorkerBuilder, WorkerBuilderExt};
use redis::aio::MultiplexedConnection;
use tally_core::run::ExperimentId;
use tally_store::WorkerStore;
use tally_store::jobs::apalis_layout::{self, QueueLayout};
use tally_store::jobs::{PlanJob, QueueSettings};
use tally_test_support::namespace::{TestNamespace, redis_connection};
use tokio::sync::{Notify, oneshot};

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

async fn key_type(conn: &mut MultiplexedConnection, key: &str) -> String {
    redis::cmd("TYPE").arg(key).query_async(conn).await.unwrap()
}

/// The places (`key`, or `key field|member|value`) that hold `needle` among the
/// keys matching `pattern`.
async fn places_holding(
    conn: &mut MultiplexedConnection,
    pattern: &str,
    needle: &str,
) -> BTreeSet<String> {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(pattern)
        .query_async(conn)
        .await
        .unwrap();
    let mut places = BTreeSet::new();
    for key in keys {
        if key.contains(needle) {
            places.insert(key.clone());
        }
        let values: Vec<String> = match key_type(conn, &key).await.as_str() {
            "string" => vec![redis::cmd("GET").arg(&key).query_async(conn).await.unwrap()],
            "hash" => redis::cmd("HKEYS")
                .arg(&key)
                .query_async(conn)
                .await
                .unwrap(),
            "list" => redis::cmd("LRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query_async(conn)
                .await
                .unwrap(),
            "set" => redis::cmd("SMEMBERS")
                .arg(&key)
                .query_async(conn)
                .await
                .unwrap(),
            "zset" => redis::cmd("ZRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query_async(conn)
                .await
                .unwrap(),
            _ => Vec::new(),
        };
        if values.iter().any(|value| value.contains(needle)) {
            places.insert(format!("{key} holds it"));
        }
    }
    places
}

/// Holds the first job the worker takes until released, and says which it was.
#[derive(Default)]
struct Gate {
    held: Mutex<Option<ExperimentId>>,
    taken: Notify,
    release: Notify,
}

async fn hold_the_first(job: PlanJob, gate: Data<Arc<Gate>>) -> Result<(), std::io::Error> {
    let first = {
        let mut held = gate.held.lock().unwrap();
        let first = held.is_none();
        if first {
            *held = Some(job.experiment_id.clone());
        }
        first
    };
    if first {
        gate.taken.notify_one();
        gate.release.notified().await;
    }
    Ok(())
}

#[tokio::test]
async fn apalis_redis_keeps_jobs_where_the_adapter_looks() {
    let namespace = TestNamespace::new("apalis-layout");
    let store = store(&namespace).await;
    let layout = QueueLayout::of(store.keys(), "plan");
    let mut conn = redis_connection().await;

    // Pushed: a payload, a Pending status, an idempotency key holding a ULID id, and a
    // place in the scheduled set scored in seconds.
    let before = now_ms();
    let jobs = [ExperimentId::generate(), ExperimentId::generate()]
        .map(|experiment_id| PlanJob { experiment_id });
    for job in &jobs {
        store.queues().push_plan(job.clone()).await.unwrap();
    }
    let after = now_ms();
    let mut ids = Vec::new();
    for job in &jobs {
        let idempotency = layout.idempotency(&job.idempotency_key());
        assert_eq!(key_type(&mut conn, &idempotency).await, "string");
        let id: String = redis::cmd("GET")
            .arg(&idempotency)
            .query_async(&mut conn)
            .await
            .unwrap();
        let enqueued = apalis_layout::enqueued_ms(&id).expect("job ids are ULIDs");
        assert!(
            (before..=after).contains(&enqueued),
            "{enqueued} not in {before}..={after}"
        );

        assert_eq!(key_type(&mut conn, &layout.data()).await, "hash");
        let payload: bool = redis::cmd("HEXISTS")
            .arg(layout.data())
            .arg(&id)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(payload, "the payload is in the data hash");

        assert_eq!(key_type(&mut conn, &layout.meta(&id)).await, "hash");
        let status: Option<String> = redis::cmd("HGET")
            .arg(layout.meta(&id))
            .arg(apalis_layout::STATUS_FIELD)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(status.as_deref(), Some("Pending"));
        assert!(!apalis_layout::finished_for_good(status.as_deref(), false));

        assert_eq!(key_type(&mut conn, &layout.scheduled()).await, "zset");
        let due: f64 = redis::cmd("ZSCORE")
            .arg(layout.scheduled())
            .arg(&id)
            .query_async(&mut conn)
            .await
            .unwrap();
        let due = apalis_layout::score_ms(due).expect("a time");
        assert!(
            due / 1000 >= before / 1000 && due <= after,
            "due {due} for a push in {before}..={after}"
        );
        ids.push(id);
    }

    // Worked: the fetch moves due jobs to the active list and takes its head; the
    // worker beats on the workers set, scored in seconds.
    let gate = Arc::new(Gate::default());
    let plan = store.queues().plan.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let monitor = Monitor::new()
        .register({
            let gate = gate.clone();
            move |_| {
                WorkerBuilder::new("layout-test")
                    .backend(plan.clone().poll_with_interval(Duration::from_millis(50)))
                    .concurrency(1)
                    .data(gate.clone())
                    .build(hold_the_first)
            }
        })
        .run_with_signal(async {
            let _ = stopped.await;
            Ok(())
        });
    let monitor = tokio::spawn(monitor);
    tokio::time::timeout(Duration::from_secs(20), gate.taken.notified())
        .await
        .expect("the worker takes a job");
    let held = gate.held.lock().unwrap().clone().unwrap();
    let waiting = if held == jobs[0].experiment_id {
        &ids[1]
    } else {
        &ids[0]
    };
    assert_eq!(key_type(&mut conn, &layout.active()).await, "list");
    let active: Vec<String> = redis::cmd("LRANGE")
        .arg(layout.active())
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        active,
        [waiting.as_str()],
        "the job not taken waits in the active list"
    );

    assert_eq!(key_type(&mut conn, &layout.workers()).await, "zset");
    let beats: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg(layout.workers())
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query_async(&mut conn)
        .await
        .unwrap();
    let [(worker, beat)] = beats.as_slice() else {
        panic!("one worker beats: {beats:?}")
    };
    assert!(worker.contains("layout-test"), "{worker}");
    let beat = apalis_layout::score_ms(*beat).expect("a time");
    assert!(
        beat / 1000 >= before / 1000 && beat <= now_ms(),
        "beat at {beat}"
    );
    // What the gauges read from these keys.
    let plan_depth = store.queue_depths().await.unwrap()[0];
    assert_eq!((plan_depth.kind, plan_depth.waiting), ("plan", 1));

    // Done: a Done status, the done set, and nothing else of the job but what the
    // vacuum deletes (payload, status hash, done-set entry, idempotency key).
    gate.release.notify_one();
    let deadline = Instant::now() + Duration::from_secs(20);
    for id in &ids {
        loop {
            let status: Option<String> = redis::cmd("HGET")
                .arg(layout.meta(id))
                .arg(apalis_layout::STATUS_FIELD)
                .query_async(&mut conn)
                .await
                .unwrap();
            if status.as_deref() == Some("Done") {
                assert!(apalis_layout::finished_for_good(status.as_deref(), false));
                break;
            }
            assert!(Instant::now() < deadline, "job {id} not done: {status:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let [done, _, _] = layout.finished_sets();
    assert_eq!(key_type(&mut conn, &done).await, "set");
    for (job, id) in jobs.iter().zip(&ids) {
        let places = places_holding(&mut conn, &store.keys().queues_pattern(), id).await;
        let expected = BTreeSet::from([
            format!("{} holds it", layout.data()),
            format!("{done} holds it"),
            layout.meta(id),
            format!("{} holds it", layout.idempotency(&job.idempotency_key())),
        ]);
        assert_eq!(places, expected, "where apalis-redis keeps job {id}");
    }

    let _ = stop.send(());
    monitor.await.unwrap().unwrap();
}
