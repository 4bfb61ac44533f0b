//! Worked numbers for the trial statistics.

use super::*;
use crate::evaluators::{
    AVG_BALLOT_ACCURACY, BALLOT_ACCURACY_SCORE, MetricValue, Outcome, Score, evaluate_record,
};
use crate::run::RecordStatus;
use crate::run::summary::tests::{experiment, result};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// A trial of `id`: a correct empty answer (accuracy 1), or a failure (0).
fn trial(id: &str, trial: u32, succeeded: bool) -> RecordResult {
    let base = result(id, 100, 1, (!succeeded).then_some("timeout"));
    RecordResult {
        trial,
        output: succeeded.then(Vec::new),
        ..base
    }
}

#[test]
fn mean_and_standard_error_of_three_values() {
    // mean 0.7; deviations ±0.2 and 0 → sample variance 0.08 / 2 = 0.04, sd 0.2;
    // standard error 0.2 / √3.
    let (mean, se) = mean_and_standard_error(&[0.5, 0.7, 0.9]);
    assert!(close(mean, 0.7), "{mean}");
    assert!(close(se, 0.2 / 3f64.sqrt()), "{se}");
    assert_eq!(mean_and_standard_error(&[0.8]), (0.8, 0.0));
    assert_eq!(mean_and_standard_error(&[0.7, 0.7, 0.7]), (0.7, 0.0));
    assert_eq!(mean_and_standard_error(&[]), (0.0, 0.0));
}

#[test]
fn metrics_agreement_and_the_least_stable_records() {
    let mut experiment = experiment(3);
    experiment.trials = 3;
    // a agrees in all three trials; b fails in trial 1; c has no trial 2 yet.
    let results = vec![
        trial("a", 0, true),
        trial("a", 1, true),
        trial("a", 2, true),
        trial("b", 0, true),
        trial("b", 1, false),
        trial("b", 2, true),
        trial("c", 0, true),
        trial("c", 1, true),
    ];
    let summary = summarize_trials(&experiment, &results).expect("three trials");
    assert_eq!(summary.trials, 3);
    // Trial 0: 3/3 correct; trial 1: b failed → 2/3; trial 2: c missing → 2/3.
    // Mean 7/9; deviations 2/9, −1/9, −1/9 → variance (6/81) / 2 = 1/27;
    // standard error √(1/27 / 3) = 1/9.
    let accuracy = &summary.metrics[OVERALL_ACCURACY];
    assert_eq!(accuracy.per_trial.len(), 3);
    assert!(close(accuracy.per_trial[0], 1.0));
    assert!(close(accuracy.per_trial[1], 2.0 / 3.0));
    assert!(close(accuracy.per_trial[2], 2.0 / 3.0));
    assert!(close(accuracy.mean, 7.0 / 9.0), "{}", accuracy.mean);
    assert!(
        close(accuracy.standard_error, 1.0 / 9.0),
        "{}",
        accuracy.standard_error
    );
    assert!(close(summary.metrics["success_rate"].mean, 7.0 / 9.0));
    // a and b have every trial; a agrees, b does not.
    assert_eq!(summary.records_compared, 2);
    assert_eq!(summary.agreement_rate, Some(0.5));
    assert_eq!(summary.least_stable.len(), 1);
    let b = &summary.least_stable[0];
    assert_eq!(b.record_id, "b");
    assert_eq!(b.distinct_answers, 2);
    assert!(close(b.modal_share, 2.0 / 3.0));
    assert_eq!(b.overall_accuracy, [Some(1.0), Some(0.0), Some(1.0)]);
}

#[test]
fn the_summary_counts_record_trial_pairs_and_one_trial_has_no_trial_block() {
    let urls = crate::run::PublicUrls::new("http://host/");
    let context = crate::run::SummaryContext {
        urls: &urls,
        status: crate::contract::ExperimentStatus::Success,
        error: None,
    };
    let mut experiment = experiment(2);
    let single = vec![trial("a", 0, true), trial("b", 0, false)];
    let summary = crate::run::summarize_experiment(&experiment, &single, &context);
    assert_eq!(summary.trials, None);
    assert_eq!(summary.total_records, 2);

    experiment.trials = 2;
    let results = vec![
        trial("a", 0, true),
        trial("a", 1, true),
        trial("b", 0, true),
        trial("b", 1, true),
    ];
    let summary = crate::run::summarize_experiment(&experiment, &results, &context);
    assert_eq!(summary.total_records, 4);
    assert_eq!(summary.successful_records, 4);
    let trials = summary.trials.expect("two trials");
    assert_eq!(trials.agreement_rate, Some(1.0));
    assert!(trials.least_stable.is_empty());
    assert_eq!(trials.metrics[OVERALL_ACCURACY].standard_error, 0.0);
    assert!(results.iter().all(|r| r.status == RecordStatus::Succeeded));
    // The per-record value matches what the summary averages.
    let correct = evaluate_record(Some(&[]), &Outcome::Reports(vec![]));
    assert_eq!(record_summary_value(OVERALL_ACCURACY, &correct), Some(1.0));
}

#[test]
fn an_experiment_stopped_before_every_trial_counts_the_missing_trials_as_failed() {
    let mut experiment = experiment(2);
    experiment.trials = 2;
    let results = vec![trial("a", 0, true), trial("b", 0, true)];
    let summary = summarize_trials(&experiment, &results).expect("two trials");
    let accuracy = &summary.metrics[OVERALL_ACCURACY];
    assert_eq!(accuracy.per_trial, [1.0, 0.0]);
    // mean 0.5; deviations ±0.5 → variance 0.5, standard error √(0.5 / 2) = 0.5.
    assert!(close(accuracy.mean, 0.5));
    assert!(close(accuracy.standard_error, 0.5));
    assert_eq!(summary.records_compared, 0);
    assert_eq!(summary.agreement_rate, None);
}

#[test]
fn trials_with_the_same_answers_have_no_spread_whatever_order_they_were_written_in() {
    let mut experiment = experiment(3);
    experiment.trials = 3;
    // 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 are different floats: the same scores
    // written in another order must still give each trial the same mean.
    let scored = |id: &str, trial_index: u32, accuracy: f64| {
        let mut result = trial(id, trial_index, true);
        let score = Score::new(accuracy).expect("a score");
        result
            .evaluations
            .insert(BALLOT_ACCURACY_SCORE, MetricValue::Score(score));
        result
    };
    let results = vec![
        scored("a", 0, 0.1),
        scored("b", 0, 0.2),
        scored("c", 0, 0.3),
        scored("c", 1, 0.3),
        scored("b", 1, 0.2),
        scored("a", 1, 0.1),
        scored("b", 2, 0.2),
        scored("c", 2, 0.3),
        scored("a", 2, 0.1),
    ];
    let summary = summarize_trials(&experiment, &results).expect("three trials");
    let accuracy = &summary.metrics[AVG_BALLOT_ACCURACY];
    assert_eq!(accuracy.standard_error, 0.0, "{:?}", accuracy.per_trial);
}
