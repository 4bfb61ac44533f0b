//! Scoring extractions: per-record evaluators, summary evaluators and field diffs.
//!
//! - `registry`: evaluators as values (name, kind, metric type, whether they need the
//!   expected output); `registry()` lists them, `by_name` finds one.
//! - `value`: `MetricValue` (bool / score / categorical / not applicable), `Score`,
//!   and `Evaluations`, the name → value map stored per record and per experiment.
//! - `outcome`: what a task produced — reports, or the error that replaced them.
//! - `matching`: expected and actual reports paired by form type.
//! - `accuracy`: the four per-record evaluators of the old service; its doc states
//!   how a failed record counts (0 / false in every accuracy mean).
//! - `consistency`: the seven consistency rules of the forms, which need no expected
//!   output, and their pass rates; `consistency_check`: the same rules over one
//!   record's reports, each failure with the paths of its fields (the live check).
//! - `summary`: `overall_accuracy`, `success_rate`, `avg_ballot_accuracy` and more.
//! - `diff`: per-field differences of expected vs actual reports.
//!
//! `evaluate_record` runs every per-record evaluator on one record; `summarize` runs
//! every summary evaluator over the stored per-record values, so a finished
//! experiment can be summarised again without calling the model or re-scoring.

mod accuracy;
mod consistency;
mod consistency_check;
mod diff;
mod matching;
mod outcome;
mod registry;
mod summary;
mod value;

#[cfg(test)]
mod consistency_properties;
#[cfg(test)]
mod worked_examples;

pub use accuracy::{BALLOT_ACCURACY_SCORE, EXACT_FORM_MATCH, HAS_NO_ERRORS, VOTE_RESULTS_QUALITY};
pub use consistency::{
    BALLOT_BALANCE, BALLOT_SPLIT, FORMS_AGREE, PASS, TURNOUT_MATCH, TURNOUT_WITHIN_ROLL,
    VOTE_WORDS, VOTES_TOTAL, WARNING,
};
pub use consistency_check::check_reports;
pub use diff::{Difference, diff, diff_by_position};
pub use outcome::Outcome;
pub use registry::{Compute, Evaluator, Kind, MetricType, by_name, registry};
pub use summary::{
    AVG_BALLOT_ACCURACY, EXACT_FORM_MATCH_RATE, MEAN_VOTE_RESULTS_QUALITY, OVERALL_ACCURACY,
    SUCCESS_RATE,
};
pub use value::{Evaluations, MetricValue, Score, ScoreOutOfRange};

use std::collections::HashMap;

use crate::extraction::Report;

/// Runs every per-record evaluator on one record. `expected` is `None` for unlabelled
/// data: evaluators that need it are then not applicable.
pub fn evaluate_record(expected: Option<&[Report]>, outcome: &Outcome) -> Evaluations {
    let mut evaluations = Evaluations::default();
    for evaluator in registry() {
        let value = match (evaluator.compute(), expected) {
            (Compute::Labelled(evaluate), Some(expected)) => evaluate(expected, outcome),
            (Compute::Labelled(_), None) => MetricValue::NotApplicable,
            (Compute::Unlabelled(evaluate), _) => evaluate(outcome),
            (Compute::Summary { .. }, _) => continue,
        };
        evaluations.insert(evaluator.name(), value);
    }
    evaluations
}

/// One record's value of the summary evaluator `name`, computed exactly as `summarize`
/// computes it per record (so means of it match the summaries); `None` when the
/// evaluator is unknown or not applicable to the record.
pub fn record_summary_value(name: &str, evaluations: &Evaluations) -> Option<f64> {
    let Some(Compute::Summary { inputs, per_record }) = by_name(name).map(|e| e.compute()) else {
        return None;
    };
    let values: Vec<&MetricValue> = inputs.iter().map(|input| evaluations.get(input)).collect();
    per_record(&values)
}

/// Every summary evaluator's per-record value for one record, by name, leaving out
/// those not applicable to it: what `summarize` averages.
pub fn record_summary_values(
    evaluations: &Evaluations,
) -> impl Iterator<Item = (&'static str, f64)> + '_ {
    registry().iter().filter_map(|evaluator| {
        let Compute::Summary { inputs, per_record } = evaluator.compute() else {
            return None;
        };
        let values: Vec<&MetricValue> = inputs.iter().map(|input| evaluations.get(input)).collect();
        per_record(&values).map(|value| (evaluator.name(), value))
    })
}

/// Runs every summary evaluator over the per-record values of an experiment. A
/// summary with no applicable record (e.g. accuracy on unlabelled data) is not
/// applicable.
pub fn summarize(records: &[Evaluations]) -> Evaluations {
    let mut sums: HashMap<&str, (f64, u64)> = HashMap::new();
    for (name, value) in records.iter().flat_map(record_summary_values) {
        let (sum, count) = sums.entry(name).or_default();
        *sum += value;
        *count += 1;
    }
    summarize_sums(|name| sums.get(name).copied().unwrap_or_default())
}

/// Every summary evaluator from the sum of its per-record values and the number of
/// records they were applicable to (`sum_of(name)`): the mean, or not applicable
/// when no record was.
pub fn summarize_sums(sum_of: impl Fn(&str) -> (f64, u64)) -> Evaluations {
    let mut summary = Evaluations::default();
    for evaluator in registry() {
        if let Compute::Summary { .. } = evaluator.compute() {
            let (sum, count) = sum_of(evaluator.name());
            summary.insert(evaluator.name(), Score::from_sum(sum, count).into());
        }
    }
    summary
}
