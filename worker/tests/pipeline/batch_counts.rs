//! A batch's results count as online ones do: in the worker's metrics (records,
//! tokens, cost at batch prices — the result's own, not halved again) and against
//! the spend cap, whose schedule moves on by what the batch cost.

use std::time::Duration;

use serde_json::json;
use tally_gemini::{PriceTable, Usage};
use tally_test_support::namespace::redis_connection;

use crate::batch::{MODEL, batch_request};
use crate::harness::{Harness, WorkerOptions};

/// A cap far below what the sample costs: what it spent takes many windows to pay off.
const CAP_USD: f64 = 0.00001;
const WINDOW: Duration = Duration::from_secs(1);

/// The value of the sample of `metric` whose labels include every one of `labels`.
fn sample(metrics: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let (name, rest) = line.split_once('{')?;
        let (set, value) = rest.split_once("} ")?;
        let ours = name == metric && labels.iter().all(|label| set.contains(label));
        ours.then(|| value.parse().ok()).flatten()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_runs_results_are_in_the_metrics_and_count_against_the_spend_cap() {
    let mut harness = Harness::start("batch-counts", 0).await;
    harness
        .patch_emulator(json!({"batch": {"pending_ms": 100, "running_ms": 200}}))
        .await;
    let options = WorkerOptions {
        spend_cap: Some((CAP_USD, WINDOW)),
        ..WorkerOptions::default()
    };
    harness.start_worker_with("w", options).await;
    let run = harness.submit(&batch_request()).await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(60)).await;
    assert_eq!(results.len(), 10);

    let metrics = harness.worker_metrics(0);
    let model = format!(r#"model="{MODEL}""#);
    let records = sample(
        &metrics,
        "tally_worker_records_total",
        &[&model, r#"outcome="succeeded""#],
    );
    assert_eq!(records, Some(10.0), "{metrics}");
    let prompt: u64 = results.iter().map(|r| r.tokens.prompt).sum();
    let tokens = sample(
        &metrics,
        "tally_worker_tokens_total",
        &[&model, r#"kind="prompt""#],
    );
    assert_eq!(tokens, Some(prompt as f64), "{metrics}");
    // Each result's cost is the batch price of its tokens, and the metric adds those.
    let prices = PriceTable::default().batch();
    let mut micro = 0;
    for result in &results {
        let usage = Usage {
            prompt_tokens: result.tokens.prompt,
            candidates_tokens: result.tokens.output,
            thoughts_tokens: result.tokens.thinking,
            cached_tokens: result.tokens.cached,
        };
        let batch_cost = prices.cost(MODEL, &usage).unwrap();
        let cost = result.cost_usd.unwrap();
        assert!((cost - batch_cost).abs() < 1e-12, "{cost} is {batch_cost}");
        micro += (cost * 1e6).round() as u64;
    }
    let cost = sample(&metrics, "tally_worker_cost_micro_usd_total", &[&model]);
    assert_eq!(cost, Some(micro as f64), "{metrics}");
    // A batch answer has no call latency of its own: none is observed.
    let latency = sample(&metrics, "tally_worker_model_call_seconds_count", &[&model]);
    assert_eq!(latency, None, "{metrics}");

    // The spend schedule is ahead of now by what the batch cost at the cap's pace
    // (paced at 90 % of the cap: more than `windows` windows).
    let windows = micro as f64 / 1e6 / CAP_USD;
    assert!(
        windows > 10.0,
        "the sample costs many caps: {micro} micro-dollars"
    );
    let mut conn = redis_connection().await;
    let stat: Option<f64> = redis::cmd("HGET")
        .arg(harness.store.keys().spend())
        .arg("stat")
        .query_async(&mut conn)
        .await
        .unwrap();
    let (seconds, micros): (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
    let now_ms = seconds as f64 * 1000.0 + micros as f64 / 1000.0;
    let ahead_ms = stat.expect("the batch's spending was counted") - now_ms;
    let window_ms = WINDOW.as_secs_f64() * 1000.0;
    assert!(
        ahead_ms > (windows - 1.0) * window_ms,
        "{ahead_ms} ms ahead for {windows} windows' spending"
    );
    harness.cleanup().await;
}
