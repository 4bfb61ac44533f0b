//! `write_results` against a real Redis, on the paths its script treats apart: a
//! stored total at or past what a Lua double holds exactly (2^53), an experiment
//! whose retention ended, and one whose run was retired (its keys expire).

use tally_core::run::{ExperimentId, RecordResult, ResultTotals};
use tally_store::jobs::QueueSettings;
use tally_store::{ResultWrite, WorkerStore};
use tally_test_support::namespace::{TestNamespace, redis_connection};

/// A succeeded result of `record_id` with these prompt and output token counts.
fn result(record_id: &str, prompt: u64, output: u64) -> RecordResult {
    serde_json::from_value(serde_json::json!({
        "record_id": record_id, "status": "succeeded", "evaluations": {},
        "latency_ms": 812,
        "tokens": {"prompt": prompt, "output": output, "thinking": 0, "cached": 0},
        "attempts": 1, "finished_at": "2026-12-01T12:00:00Z"
    }))
    .unwrap()
}

/// A worker's store in `namespace` (whose keys go when the test drops it).
async fn store(namespace: &TestNamespace) -> WorkerStore {
    WorkerStore::connect(&namespace.store_settings(), QueueSettings::default())
        .await
        .unwrap()
}

/// Creates `experiment`'s hash with this status, 10 calls and 3 done.
async fn experiment(store: &WorkerStore, experiment: &ExperimentId, status: &str) {
    let _: () = redis::cmd("HSET")
        .arg(store.keys().experiment(experiment))
        .arg(&[("status", status), ("total", "10"), ("done", "3")])
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
}

async fn pttl(key: String) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(&mut redis_connection().await)
        .await
        .unwrap()
}

/// `results` as a group's writes, no lease to give back.
fn writes(results: &[RecordResult]) -> Vec<ResultWrite> {
    results
        .iter()
        .map(|result| ResultWrite::new(result, None).unwrap())
        .collect()
}

#[tokio::test]
async fn stored_totals_past_two_to_the_53_stay_exact_when_a_group_adds_to_them() {
    let namespace = TestNamespace::new("result-totals:exact");
    let store = store(&namespace).await;
    let id = ExperimentId::generate();
    experiment(&store, &id, "running").await;
    // Just below 2^53 (the group's sum crosses it), just past it (a double reads
    // it as 2^53), far past it, and small.
    let stored = [
        ("tokens:prompt", (1_i64 << 53) - 1),
        ("tokens:output", (1_i64 << 53) + 1),
        ("tokens:thinking", (1_i64 << 62) + 1),
        ("results", 3),
    ];
    let _: () = redis::cmd("HSET")
        .arg(store.keys().experiment_totals(&id))
        .arg(&stored)
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();

    let mut group = [result("a", 1, 1), result("b", 3, 1)];
    group[1].tokens.thinking = 2;
    let (written, progress) = store.write_results(&id, &writes(&group)).await.unwrap();
    assert_eq!(written, [true, true]);
    assert_eq!(progress.done, 5);

    let totals = store.result_totals(&id).await.unwrap();
    let expected = ResultTotals::from_fields(
        stored
            .iter()
            .map(|&(field, value)| (field.to_string(), value))
            .chain(group.iter().flat_map(ResultTotals::increments)),
    );
    assert_eq!(totals, expected);
    let tokens = totals.tokens();
    assert_eq!(tokens.prompt, (1 << 53) + 3);
    assert_eq!(tokens.output, (1 << 53) + 3);
    assert_eq!(tokens.thinking, (1 << 62) + 3);
    assert_eq!(totals.results(), 5);
}

#[tokio::test]
async fn an_experiment_whose_retention_ended_keeps_nothing() {
    let namespace = TestNamespace::new("result-writes:gone");
    let store = store(&namespace).await;
    let id = ExperimentId::generate();
    let (written, progress) = store
        .write_results(&id, &writes(&[result("a", 1, 1)]))
        .await
        .unwrap();
    assert_eq!(written, [false]);
    assert_eq!(progress.done, 0);
    assert!(namespace.keys().await.is_empty(), "nothing written");
}

#[tokio::test]
async fn a_result_written_after_the_run_was_retired_expires_with_it() {
    let namespace = TestNamespace::new("result-writes:retired");
    let store = store(&namespace).await;
    let keys = store.keys();

    // A running experiment's keys do not expire.
    let running = ExperimentId::generate();
    experiment(&store, &running, "running").await;
    store
        .write_results(&running, &writes(&[result("a", 1, 1)]))
        .await
        .unwrap();
    assert_eq!(pttl(keys.experiment_results(&running)).await, -1);

    // A final experiment of a retired run: what a late write adds expires with it.
    let retired = ExperimentId::generate();
    experiment(&store, &retired, "success").await;
    let _: () = redis::cmd("PEXPIRE")
        .arg(keys.experiment(&retired))
        .arg(600_000)
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
    let (written, progress) = store
        .write_results(&retired, &writes(&[result("a", 1, 1)]))
        .await
        .unwrap();
    assert_eq!(written, [true]);
    assert_eq!(progress.done, 4);
    for key in [
        keys.experiment_results(&retired),
        keys.experiment_order(&retired),
        keys.experiment_totals(&retired),
    ] {
        let ttl = pttl(key.clone()).await;
        assert!(ttl > 0 && ttl <= 600_000, "{key}: ttl {ttl} ms");
    }
}
