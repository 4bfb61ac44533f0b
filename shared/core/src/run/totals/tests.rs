//! The totals give the summary the full read of every result gives.

use super::*;
use crate::contract::ExperimentStatus;
use crate::evaluators::{
    self, BALLOT_ACCURACY_SCORE, EXACT_FORM_MATCH, MetricValue, OVERALL_ACCURACY, Outcome, Score,
    VOTE_RESULTS_QUALITY,
};
use crate::run::summary::tests::{experiment, result};
use crate::run::{PublicUrls, SKIPPED, SummaryContext, summarize_totals};

/// 500 results with scores, costs and latencies that do not add up exactly in
/// floating point, some failed, some cached.
fn varied_results() -> Vec<RecordResult> {
    (0..500u64)
        .map(|n| {
            let error = (n % 11 == 0).then_some(if n % 2 == 0 { "timeout" } else { "parse" });
            let mut r = result(
                &format!("r{n}"),
                (n * 37) % 3_000,
                1 + (n % 3) as u32,
                error,
            );
            if error.is_none() {
                let score =
                    |k: u64| MetricValue::Score(Score::new((n * k % 997) as f64 / 997.0).unwrap());
                r.evaluations.insert(BALLOT_ACCURACY_SCORE, score(13));
                r.evaluations.insert(VOTE_RESULTS_QUALITY, score(29));
                r.evaluations
                    .insert(EXACT_FORM_MATCH, MetricValue::Bool(n % 3 == 0));
            }
            r.cost_usd = (n % 7 != 0).then_some(0.000_137 * (n as f64 + 0.1));
            r.cached = n % 5 == 0;
            r.cached_cost_usd = r.cached.then_some(0.000_011 * n as f64);
            r.tokens.prompt = 1_000 + n;
            r
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9
}

#[test]
fn the_summary_from_totals_matches_the_float_means_of_every_result() {
    let results = varied_results();
    // 20 records of the sample have no result.
    let experiment = experiment(results.len() as u64 + 20);
    let urls = PublicUrls::new("http://host:8000/");
    let context = SummaryContext {
        urls: &urls,
        status: ExperimentStatus::Success,
        error: None,
    };
    let summary = summarize_totals(
        &experiment,
        &ResultTotals::from_results(&results),
        None,
        &context,
    );

    // The summary as it was computed before totals: float means over every record.
    let skipped = evaluators::evaluate_record(Some(&[]), &Outcome::Failed(SKIPPED.into()));
    let mut per_record: Vec<_> = results.iter().map(|r| r.evaluations.clone()).collect();
    per_record.extend((0..20).map(|_| skipped.clone()));
    let means = evaluators::summarize(&per_record);
    for (name, value) in means.iter() {
        let from_totals = summary_value(&summary, name);
        match (value, from_totals) {
            (MetricValue::Score(mean), Some(total)) => {
                assert!(
                    close(mean.get(), total),
                    "{name}: {} vs {total}",
                    mean.get()
                )
            }
            (MetricValue::NotApplicable, None) => {}
            (value, total) => panic!("{name}: {value:?} vs {total:?}"),
        }
    }
    assert!(summary.overall_accuracy > 0.0 && summary.overall_accuracy < 1.0);
    assert!(close(
        summary.overall_accuracy,
        number_of(&means, OVERALL_ACCURACY)
    ));

    let cost: f64 = results.iter().filter_map(|r| r.cost_usd).sum();
    assert!(close(summary.cost_usd.unwrap(), cost));
    let saved: f64 = results.iter().filter_map(|r| r.cached_cost_usd).sum();
    assert!(close(summary.cache_saved_usd.unwrap(), saved));
    assert_eq!(
        summary.tokens.prompt,
        results.iter().map(|r| r.tokens.prompt).sum::<u64>()
    );
    assert_eq!(
        summary.retries,
        results.iter().map(|r| u64::from(r.retries())).sum::<u64>()
    );
    assert_eq!(summary.cache_hits, 100);
    assert_eq!(summary.errors_by_kind.get("timeout"), Some(&23));
    assert_eq!(summary.errors_by_kind.get("parse"), Some(&23));
    assert_eq!(summary.errors_by_kind.get(SKIPPED), Some(&20));
    assert_eq!(summary.successful_records, 500 - 46);
    assert_eq!(summary.failed_records, 46 + 20);

    // Nearest rank over the sorted latencies, every one of them below 1,024 ms
    // exact, above it in its bucket.
    let mut latencies: Vec<u64> = results.iter().map(|r| r.latency_ms).collect();
    latencies.sort_unstable();
    let rank = |p: f64| latencies[(p * 500.0).ceil() as usize - 1];
    let latency = summary.latency_ms.unwrap();
    assert_eq!(latency.p50, latency_bucket(rank(0.5)) as f64);
    assert_eq!(latency.p95, latency_bucket(rank(0.95)) as f64);
}

#[test]
fn totals_do_not_depend_on_the_order_results_arrive_in() {
    let results = varied_results();
    let mut reversed = results.clone();
    reversed.reverse();
    assert_eq!(
        ResultTotals::from_results(&results),
        ResultTotals::from_results(&reversed)
    );
}

#[test]
fn latency_buckets_are_exact_below_1024_ms_and_within_0_2_percent_above() {
    for ms in [0, 1, 999, 1_023] {
        assert_eq!(latency_bucket(ms), ms);
    }
    for ms in [1_024, 1_025, 4_097, 59_999, 3_600_000, u64::MAX] {
        let bucket = latency_bucket(ms);
        assert!(bucket <= ms, "{ms}");
        assert!((ms - bucket) as f64 <= ms as f64 / 512.0, "{ms} → {bucket}");
    }
    // An hour of distinct latencies fills a bounded number of buckets.
    let buckets: std::collections::BTreeSet<u64> = (0..3_600_000).map(latency_bucket).collect();
    assert!(buckets.len() < 7_500, "{}", buckets.len());
}

fn summary_value(summary: &crate::contract::ExperimentSummary, name: &str) -> Option<f64> {
    match name {
        OVERALL_ACCURACY => Some(summary.overall_accuracy),
        evaluators::SUCCESS_RATE => Some(summary.success_rate),
        evaluators::AVG_BALLOT_ACCURACY => Some(summary.avg_ballot_accuracy),
        evaluators::MEAN_VOTE_RESULTS_QUALITY => summary.avg_vote_results_quality,
        evaluators::EXACT_FORM_MATCH_RATE => summary.exact_form_match_rate,
        rule => {
            let rule = rule.strip_suffix("_pass_rate").unwrap_or(rule);
            summary.consistency_pass_rates.get(rule).copied()
        }
    }
}

fn number_of(summary: &evaluators::Evaluations, name: &str) -> f64 {
    match summary.get(name) {
        MetricValue::Score(score) => score.get(),
        other => panic!("{name}: {other:?}"),
    }
}
