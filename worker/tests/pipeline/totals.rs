//! The running totals `write_result` keeps: they give the summary that reading every
//! result gives, and a record written a second time changes nothing.

use std::time::Duration;

use tally_core::contract::ExperimentSummary;
use tally_core::run::{PublicUrls, ResultTotals, SummaryContext, summarize_experiment};

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
    harness.cleanup().await;
}
