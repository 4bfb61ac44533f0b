//! Repeated trials: how much an experiment's score and answers move from one run of
//! its records to the next.
//!
//! Each trial is scored as a run of its own (records without a result in that trial
//! count as failed, as in any summary), so a metric has one value per trial; the
//! summary gives their mean and its standard error. Answers are compared per
//! record: a record agrees when all of its trials returned the same reports.

use std::collections::{BTreeMap, HashMap};

use crate::contract::{TrialMetric, TrialSummary, UnstableRecord};
use crate::evaluators::{self, Evaluations, OVERALL_ACCURACY, Outcome, record_summary_value};

use super::model::{ExperimentRecord, RecordResult};
use super::summary::{SKIPPED, number};

/// Records listed in `least_stable`.
pub const LEAST_STABLE: usize = 10;

/// The mean of `values` and its standard error (sample standard deviation, n − 1,
/// over √n); the error is 0 for fewer than two values or equal values.
pub fn mean_and_standard_error(values: &[f64]) -> (f64, f64) {
    let Some(&first) = values.first() else {
        return (0.0, 0.0);
    };
    // Equal trials have no spread: said exactly, not as a rounding residue of the
    // mean (three equal values summed and divided need not give the value back).
    if values.iter().all(|&v| v == first) {
        return (first, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}

/// The trial summary of an experiment with more than one trial. A retry's own
/// experiment has none: it runs only some pairs, so its trials are not comparable
/// (the chain's combined result has one).
pub fn summarize_trials(
    experiment: &ExperimentRecord,
    results: &[RecordResult],
) -> Option<TrialSummary> {
    if experiment.trials <= 1 || experiment.retry.is_some() {
        return None;
    }
    let trials = experiment.trials;
    Some(TrialSummary {
        trials,
        metrics: metrics(experiment.total, trials, results),
        ..agreement(trials, results)
    })
}

/// Every summary metric that is a number in each trial, across trials.
fn metrics(records: u64, trials: u32, results: &[RecordResult]) -> BTreeMap<String, TrialMetric> {
    let skipped = evaluators::evaluate_record(Some(&[]), &Outcome::Failed(SKIPPED.to_string()));
    let per_trial: Vec<Evaluations> = (0..trials)
        .map(|trial| {
            // In record order, not the order results were written: trials with the
            // same answers then sum the same floats in the same order and get
            // exactly the same mean (no standard error from rounding residue).
            let mut of_trial: Vec<&RecordResult> =
                results.iter().filter(|r| r.trial == trial).collect();
            of_trial.sort_by(|a, b| a.record_id.cmp(&b.record_id));
            let mut evaluations: Vec<Evaluations> =
                of_trial.iter().map(|r| r.evaluations.clone()).collect();
            let missing = records.saturating_sub(evaluations.len() as u64);
            evaluations.extend((0..missing).map(|_| skipped.clone()));
            evaluators::summarize(&evaluations)
        })
        .collect();
    let Some(first) = per_trial.first() else {
        return BTreeMap::new();
    };
    first
        .iter()
        .filter_map(|(name, _)| {
            let values: Option<Vec<f64>> = per_trial
                .iter()
                .map(|summary| number(summary.get(name)))
                .collect();
            let values = values?;
            let (mean, standard_error) = mean_and_standard_error(&values);
            Some((
                name.to_string(),
                TrialMetric {
                    mean,
                    standard_error,
                    per_trial: values,
                },
            ))
        })
        .collect()
}

/// Agreement over the records that have a result in every trial; `metrics` is left
/// empty for the caller.
fn agreement(trials: u32, results: &[RecordResult]) -> TrialSummary {
    let mut by_record: BTreeMap<&str, Vec<&RecordResult>> = BTreeMap::new();
    for result in results {
        by_record.entry(&result.record_id).or_default().push(result);
    }
    let mut compared = 0u64;
    let mut agreeing = 0u64;
    let mut unstable = Vec::new();
    for (record_id, mut runs) in by_record {
        runs.sort_by_key(|r| r.trial);
        runs.dedup_by_key(|r| r.trial);
        if runs.len() != trials as usize {
            continue;
        }
        compared += 1;
        let mut answers: HashMap<String, u32> = HashMap::new();
        for run in &runs {
            *answers.entry(answer_of(run)).or_default() += 1;
        }
        if answers.len() == 1 {
            agreeing += 1;
            continue;
        }
        let modal = answers.values().copied().max().unwrap_or(0);
        unstable.push(UnstableRecord {
            record_id: record_id.to_string(),
            distinct_answers: answers.len() as u32,
            modal_share: f64::from(modal) / f64::from(trials),
            overall_accuracy: runs
                .iter()
                .map(|r| record_summary_value(OVERALL_ACCURACY, &r.evaluations))
                .collect(),
        });
    }
    unstable.sort_by(|a, b| {
        a.modal_share
            .total_cmp(&b.modal_share)
            .then(b.distinct_answers.cmp(&a.distinct_answers))
            .then(spread(b).total_cmp(&spread(a)))
            .then(a.record_id.cmp(&b.record_id))
    });
    unstable.truncate(LEAST_STABLE);
    TrialSummary {
        trials,
        metrics: BTreeMap::new(),
        agreement_rate: (compared > 0).then(|| agreeing as f64 / compared as f64),
        records_compared: compared,
        least_stable: unstable,
    }
}

/// A trial's answer as comparable text: its reports, or nothing when it failed.
fn answer_of(result: &RecordResult) -> String {
    serde_json::to_string(&result.output).unwrap_or_default()
}

/// How far a record's accuracy moves between its best and worst trial.
fn spread(record: &UnstableRecord) -> f64 {
    let values = record.overall_accuracy.iter().flatten();
    let high = values.clone().copied().fold(f64::MIN, f64::max);
    let low = values.copied().fold(f64::MAX, f64::min);
    (high - low).max(0.0)
}

#[cfg(test)]
mod tests;
