//! The running totals `write_results` keeps: they give the summary that reading every
//! result gives, and a record written a second time changes nothing, also when a
//! group of results holds the same key twice.

use std::time::Duration;

use tally_core::contract::ExperimentSummary;
use tally_core::run::{PublicUrls, ResultTotals, SummaryContext, summarize_experiment};
use tally_store::ResultWrite;

use crate::harness::{Harness, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_summary_from_totals_is_the_summary_of_every_result_and_a_rewrite_adds_nothing() {
    let mut harness = Harness::start("totals", 0).await;
    harness.start_worker("w1").await;
    let run = harness
        .submit(&request(
            r#"[{"model": "gemini-2.5-flash-lite", "temperature": 0.7}]"#,
            r#", "raise_errors": false"#,
        ))
        .await;
    harness.wait_final(&run, Duration::from_secs(60)).await;
    let experiment = harness.first_experiment(&run).await;
    let view = harness
        .store
        .experiment(&experiment)
        .await
        .expect("store")
        .expect("the experiment");
    let results = harness.store.all_results(&experiment).await.expect("store");
    assert_eq!(results.len(), 10);

    let totals = harness
        .store
        .result_totals(&experiment)
        .await
        .expect("store");
    assert_eq!(totals, ResultTotals::from_results(&results));
    assert_eq!(totals.results(), 10);
    let stored = view.summary.expect("final with a summary");
    let urls = PublicUrls::new("http://tally.test");
    let context = SummaryContext {
        urls: &urls,
        status: stored.status,
        error: stored.error.clone(),
    };
    // Compared as stored: through JSON, whose numbers keep 17 significant digits.
    let from_results = summarize_experiment(&view.record, &results, &context);
    let from_results: ExperimentSummary =
        serde_json::from_str(&serde_json::to_string(&from_results).expect("JSON")).expect("JSON");
    assert_eq!(
        stored, from_results,
        "finalize's summary from the totals is the full read's"
    );

    // The record executed again (another worker's late write, a re-run chunk): the
    // first result stays, and neither the counters nor the totals move.
    let mut again = results[0].clone();
    again.latency_ms += 5_000;
    again.attempts += 2;
    again.cost_usd = Some(1.0);
    let (written, progress) = harness
        .worker_store
        .write_result(&experiment, &again, None)
        .await
        .expect("store");
    assert!(!written);
    assert_eq!(progress.done, 10);
    assert_eq!(
        harness
            .store
            .result_totals(&experiment)
            .await
            .expect("store"),
        totals
    );

    // A group: a new key twice, a stored key again, two more new keys. The first of
    // the twins is kept; the rewrite and the second twin add nothing. Token counts
    // past what a Lua double holds exactly (2^53 + 1) and ones summed within the
    // group (2^50 + 1, 2^50 + 3) still add up exactly.
    let fresh = |id: &str, prompt: u64| {
        let mut result = results[1].clone();
        result.record_id = id.to_string();
        result.tokens.prompt = prompt;
        result
    };
    let first = fresh("extra-a", (1 << 53) + 1);
    let mut twin = fresh("extra-a", 7);
    twin.latency_ms = first.latency_ms + 1_000;
    let group = [
        first.clone(),
        twin,
        again.clone(),
        fresh("extra-b", (1 << 50) + 1),
        fresh("extra-c", (1 << 50) + 3),
    ];
    let writes: Vec<ResultWrite> = group
        .iter()
        .map(|result| ResultWrite::new(result, None).expect("encodes"))
        .collect();
    let (written, progress) = harness
        .worker_store
        .write_results(&experiment, &writes)
        .await
        .expect("store");
    assert_eq!(written, [true, false, false, true, true]);
    assert_eq!(progress.done, 13, "each kept result counted once");
    let kept = harness
        .store
        .record_result(&experiment, "extra-a", 0)
        .await
        .expect("store")
        .expect("kept");
    assert_eq!(kept.latency_ms, first.latency_ms, "the first of the twins");
    let order = harness
        .store
        .results_page(&experiment, 0, 100)
        .await
        .expect("store");
    assert_eq!(order.len(), 13, "each kept key once in the order");
    let results = harness.store.all_results(&experiment).await.expect("store");
    assert_eq!(results.len(), 13);
    assert_eq!(
        harness
            .store
            .result_totals(&experiment)
            .await
            .expect("store"),
        ResultTotals::from_results(&results),
        "the totals after a group are the full read's"
    );
    harness.cleanup().await;
}
