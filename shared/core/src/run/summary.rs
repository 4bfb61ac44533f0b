//! An experiment's `ExperimentSummary`, computed from its running totals
//! (`totals`), or from its record results read in full.
//!
//! Records of the sample that have no result (skipped after `raise_errors` stopped
//! the experiment, or never reached after a cancel) count as failed: every accuracy
//! mean is over the whole sample, so a stopped experiment never looks better than
//! the records it really answered. With trials, the unit is a record × trial result
//! (every trial has the whole sample, so the means are the means across trials) and
//! `trials` adds the spread across trials.

use crate::contract::{ExperimentStatus, ExperimentSummary, TrialSummary};
use crate::evaluators::{
    self, AVG_BALLOT_ACCURACY, EXACT_FORM_MATCH_RATE, MEAN_VOTE_RESULTS_QUALITY, MetricValue,
    OVERALL_ACCURACY, Outcome, SUCCESS_RATE,
};

use super::model::{ExperimentRecord, RecordResult};
use super::totals::ResultTotals;
use super::trials::summarize_trials;
use super::urls::PublicUrls;

/// Error kind counted for sample records that have no result.
pub const SKIPPED: &str = "skipped";

/// What a summary needs besides the results.
pub struct SummaryContext<'a> {
    pub urls: &'a PublicUrls,
    pub status: ExperimentStatus,
    /// Why the experiment stopped early, when it did.
    pub error: Option<String>,
}

/// The summary of `results`, read in full (a retry chain's merged results; tests).
pub fn summarize_experiment(
    experiment: &ExperimentRecord,
    results: &[RecordResult],
    context: &SummaryContext<'_>,
) -> ExperimentSummary {
    summarize_totals(
        experiment,
        &ResultTotals::from_results(results),
        summarize_trials(experiment, results),
        context,
    )
}

/// The summary from an experiment's running totals and, with trials, its trial
/// summary (`summarize_trials`).
pub fn summarize_totals(
    experiment: &ExperimentRecord,
    totals: &ResultTotals,
    trials: Option<TrialSummary>,
    context: &SummaryContext<'_>,
) -> ExperimentSummary {
    let expected = experiment.units();
    let missing = expected.saturating_sub(totals.results());
    let mut evaluated = totals.clone();
    let skipped = evaluators::evaluate_record(Some(&[]), &Outcome::Failed(SKIPPED.to_string()));
    evaluated.add_evaluations(&skipped, missing);
    let summary = evaluators::summarize_sums(|name| evaluated.evaluator_sum(name));

    let successful = totals.succeeded();
    let mut errors_by_kind = totals.errors_by_kind();
    if missing > 0 {
        errors_by_kind.insert(SKIPPED.to_string(), missing);
    }
    let consistency_pass_rates = summary
        .iter()
        .filter(|(name, _)| name.starts_with("consistency_"))
        .filter_map(|(name, value)| {
            let rule = name.strip_suffix("_pass_rate").unwrap_or(name);
            number(value).map(|rate| (rule.to_string(), rate))
        })
        .collect();

    let tokens = totals.tokens();
    ExperimentSummary {
        experiment_id: experiment.experiment_id.to_string(),
        experiment_name: experiment.name.clone(),
        experiment_url: context.urls.experiment_page(&experiment.experiment_id),
        model: experiment.config.model.as_str().to_string(),
        temperature: experiment.config.temperature.get(),
        status: context.status,
        total_records: expected,
        successful_records: successful,
        failed_records: expected.saturating_sub(successful),
        overall_accuracy: number(summary.get(OVERALL_ACCURACY)).unwrap_or(0.0),
        success_rate: number(summary.get(SUCCESS_RATE)).unwrap_or(0.0),
        avg_ballot_accuracy: number(summary.get(AVG_BALLOT_ACCURACY)).unwrap_or(0.0),
        avg_vote_results_quality: number(summary.get(MEAN_VOTE_RESULTS_QUALITY)),
        exact_form_match_rate: number(summary.get(EXACT_FORM_MATCH_RATE)),
        consistency_pass_rates,
        latency_ms: totals.latency_percentiles(),
        tokens,
        cache_hit_share: (tokens.prompt > 0)
            .then(|| tokens.cached.min(tokens.prompt) as f64 / tokens.prompt as f64),
        cost_usd: totals.cost_usd(),
        retries: totals.retries(),
        cache_hits: totals.cache_hits(),
        cache_saved_usd: totals.cache_saved_usd(),
        errors_by_kind,
        emulated: totals.emulated(),
        error: context.error.clone(),
        datadog_experiment_url: None,
        trials,
    }
}

pub(super) fn number(value: &MetricValue) -> Option<f64> {
    match value {
        MetricValue::Score(score) => Some(score.get()),
        MetricValue::Bool(pass) => Some(if *pass { 1.0 } else { 0.0 }),
        MetricValue::Categorical(_) | MetricValue::NotApplicable => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::contract::{DatasetName, ExperimentRequest, LatencyPercentiles, TokenUsage};
    use crate::dataset::ContentHash;
    use crate::run::model::{DatasetPin, RecordError, RecordStatus};
    use crate::run::{ExperimentId, RunId};
    use chrono::Utc;

    pub(in crate::run) fn experiment(total: u64) -> ExperimentRecord {
        let request = ExperimentRequest::from_json_bytes(
            br#"{"dataset_name": "d", "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0.1}]}"#,
        )
        .unwrap();
        let config = request.model_configs.iter().next().unwrap().clone();
        ExperimentRecord {
            experiment_id: ExperimentId::generate(),
            run_id: RunId::generate(),
            index: 0,
            name: config.experiment_name(),
            config,
            dataset: DatasetPin {
                name: DatasetName::parse("d").unwrap(),
                version: 1,
                size: total,
                content_hash: ContentHash::parse(&format!("sha256:{}", "0".repeat(64))).unwrap(),
            },
            total,
            chunk_size: 10,
            jobs: 2,
            raise_errors: false,
            cache: crate::contract::CacheMode::Off,
            trials: 1,
            execution: crate::contract::Execution::Online,
            on_daily_quota: crate::contract::OnDailyQuota::Wait,
            retry: None,
        }
    }

    pub(in crate::run) fn result(
        id: &str,
        latency_ms: u64,
        attempts: u32,
        error: Option<&str>,
    ) -> RecordResult {
        let outcome = match error {
            Some(kind) => Outcome::Failed(kind.to_string()),
            None => Outcome::Reports(vec![]),
        };
        RecordResult {
            record_id: id.into(),
            trial: 0,
            status: if error.is_some() {
                RecordStatus::Failed
            } else {
                RecordStatus::Succeeded
            },
            output: None,
            // Expected = no reports: a correct empty answer scores 1, a failure 0.
            evaluations: evaluators::evaluate_record(Some(&[]), &outcome),
            error: error.map(|kind| RecordError {
                kind: kind.into(),
                message: "m".into(),
            }),
            latency_ms,
            tokens: TokenUsage {
                prompt: 100,
                output: 10,
                thinking: 5,
                cached: 40,
            },
            cost_usd: Some(0.25),
            attempts,
            rate_limited: 0,
            model_version: None,
            finish_reason: None,
            emulated: true,
            cached: false,
            cached_cost_usd: None,
            worker: None,
            cpu_ms: None,
            ocr: None,
            finished_at: Utc::now(),
        }
    }

    #[test]
    fn missing_records_count_as_failed_and_skipped() {
        let experiment = experiment(4);
        // Two perfect records, one failed (timeout), one never answered.
        let results = vec![
            result("a", 100, 1, None),
            result("b", 300, 3, None),
            result("c", 200, 1, Some("timeout")),
        ];
        let urls = PublicUrls::new("http://host:8000/");
        let context = SummaryContext {
            urls: &urls,
            status: ExperimentStatus::Failed,
            error: None,
        };
        let summary = summarize_experiment(&experiment, &results, &context);
        assert_eq!(summary.total_records, 4);
        assert_eq!(summary.successful_records, 2);
        assert_eq!(summary.failed_records, 2);
        // 2 of 4 records correct, the failed and the skipped one count 0.
        assert_eq!(summary.overall_accuracy, 0.5);
        assert_eq!(summary.success_rate, 0.5);
        assert_eq!(summary.errors_by_kind.get("timeout"), Some(&1));
        assert_eq!(summary.errors_by_kind.get(SKIPPED), Some(&1));
        assert_eq!(summary.retries, 2);
        assert_eq!(
            summary.tokens,
            TokenUsage {
                prompt: 300,
                output: 30,
                thinking: 15,
                cached: 120,
            }
        );
        assert_eq!(summary.cache_hit_share, Some(0.4));
        assert_eq!(summary.cost_usd, Some(0.75));
        // Nearest rank over [100, 200, 300]: p50 = 2nd, p95 = 3rd.
        assert_eq!(
            summary.latency_ms,
            Some(LatencyPercentiles {
                p50: 200.0,
                p95: 300.0
            })
        );
        assert_eq!(
            summary.experiment_name,
            "vote-extraction-gemini-2.5-flash-t0.1"
        );
        assert_eq!(
            summary.experiment_url,
            format!(
                "http://host:8000/ui/#/experiments/{}",
                experiment.experiment_id
            )
        );
        assert!(summary.emulated);
    }
}
