//! The response cache: a second identical run at temperature 0 is answered from
//! Redis without one emulator call; `refresh` calls again and overwrites; `off`
//! neither reads nor writes.

use std::time::Duration;

use tally_core::contract::{ExperimentSummary, RunStatus};
use tally_core::run::{ExperimentId, RecordResult, RunId};

use tally_test_support::namespace::redis_connection;

use crate::harness::{Harness, request};

const TEMPERATURE_0: &str =
    r#"[{"model": "gemini-2.5-flash", "temperature": 0.0, "thinking_budget": 0}]"#;

/// Calls the emulator has answered for `model` so far.
async fn emulator_calls(harness: &Harness, model: &str) -> u64 {
    let stats = harness.emulator_json("/_emulator/stats").await;
    stats["models"][model]["requests"].as_u64().unwrap_or(0)
}

/// The run's one experiment summary and its results, sorted by record id.
async fn finish(harness: &Harness, run: &RunId) -> (ExperimentSummary, Vec<RecordResult>) {
    let view = harness.wait_final(run, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let summary = view.response.expect("final response").experiments[0].clone();
    let id = ExperimentId::parse(&summary.experiment_id).unwrap();
    let mut results = harness.store.all_results(&id).await.unwrap();
    results.sort_by(|a, b| a.record_id.cmp(&b.record_id));
    (summary, results)
}

fn outputs(results: &[RecordResult]) -> Vec<String> {
    results
        .iter()
        .map(|r| serde_json::to_string(&(&r.record_id, &r.output, &r.evaluations)).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_temperature_0_run_is_answered_from_the_cache() {
    let mut harness = Harness::start("cache-hit", 0).await;
    harness.start_worker("w1").await;
    let model = "gemini-2.5-flash";

    let first = harness.submit(&request(TEMPERATURE_0, "")).await;
    let (fresh, fresh_results) = finish(&harness, &first).await;
    let calls = emulator_calls(&harness, model).await;
    assert_eq!(calls, 10, "one call per record");
    assert_eq!(fresh.cache_hits, 0);
    assert!(fresh_results.iter().all(|r| !r.cached && r.attempts == 1));
    assert_eq!(harness.keys_containing(":cache:").await.len(), 10);

    let second = harness.submit(&request(TEMPERATURE_0, "")).await;
    let (cached, cached_results) = finish(&harness, &second).await;
    assert_eq!(
        emulator_calls(&harness, model).await,
        calls,
        "the second run made no model call"
    );
    assert_eq!(cached.cache_hits, 10);
    assert_eq!(cached.cost_usd, Some(0.0));
    // The saving is summed in completion order, so it may differ from the
    // fresh run's cost in the last bits.
    let saved = cached.cache_saved_usd.expect("a saving");
    let paid = fresh.cost_usd.expect("a cost");
    assert!((saved - paid).abs() < 1e-9, "saved {saved}, paid {paid}");
    assert_eq!(cached.overall_accuracy, fresh.overall_accuracy);
    assert_eq!(cached.avg_ballot_accuracy, fresh.avg_ballot_accuracy);
    assert_eq!(outputs(&cached_results), outputs(&fresh_results));
    for result in &cached_results {
        assert!(result.cached, "{}", result.record_id);
        assert_eq!(result.attempts, 0);
        assert_eq!(result.cost_usd, Some(0.0));
        assert!(
            result.model_version.is_some(),
            "the original model version is kept"
        );
    }

    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_calls_again_and_off_neither_reads_nor_writes() {
    let mut harness = Harness::start("cache-modes", 0).await;
    harness.start_worker("w1").await;
    let model = "gemini-2.5-flash";

    // `off` at the request: nothing is stored.
    let off = harness
        .submit(&request(TEMPERATURE_0, r#", "cache": "off""#))
        .await;
    finish(&harness, &off).await;
    assert_eq!(emulator_calls(&harness, model).await, 10);
    assert!(harness.keys_containing(":cache:").await.is_empty());

    // The default fills the cache; `off` then does not read it either.
    let filled = harness.submit(&request(TEMPERATURE_0, "")).await;
    finish(&harness, &filled).await;
    let keys = harness.keys_containing(":cache:").await;
    assert_eq!(keys.len(), 10);
    let off = harness
        .submit(&request(TEMPERATURE_0, r#", "cache": "off""#))
        .await;
    let (summary, _) = finish(&harness, &off).await;
    assert_eq!(summary.cache_hits, 0);
    assert_eq!(emulator_calls(&harness, model).await, 30);

    // `refresh` on the model configuration (over the request's `read`) calls the
    // model for every record and overwrites each entry (its TTL starts again).
    let mut conn = redis_connection().await;
    for key in &keys {
        let _: () = redis::cmd("EXPIRE")
            .arg(key)
            .arg(100)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    let refresh = r#"[{"model": "gemini-2.5-flash", "temperature": 0.0, "thinking_budget": 0, "cache": "refresh"}]"#;
    let run = harness
        .submit(&request(refresh, r#", "cache": "read""#))
        .await;
    let (summary, results) = finish(&harness, &run).await;
    assert_eq!(summary.cache_hits, 0);
    assert!(results.iter().all(|r| !r.cached && r.attempts == 1));
    assert_eq!(emulator_calls(&harness, model).await, 40);
    assert_eq!(harness.keys_containing(":cache:").await.len(), 10);
    for key in &keys {
        let ttl: i64 = redis::cmd("TTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(ttl > 100, "refresh wrote {key} again (TTL {ttl} s)");
    }

    // `read` uses what is there without calling.
    let run = harness
        .submit(&request(TEMPERATURE_0, r#", "cache": "read""#))
        .await;
    let (summary, _) = finish(&harness, &run).await;
    assert_eq!(summary.cache_hits, 10);
    assert_eq!(emulator_calls(&harness, model).await, 40);

    harness.cleanup().await;
}
