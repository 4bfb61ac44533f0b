//! Summary evaluators over the accuracy evaluators: the three of the old service
//! (`overall_accuracy`, `success_rate`, `avg_ballot_accuracy`) and two more means.
//!
//! Each is a mean over the records where its inputs are applicable. A failed record
//! has applicable inputs (0 / false, see `accuracy`), so it pulls every mean down; a
//! record without an expected output has none, so it only counts in `success_rate`.

use super::accuracy::{
    BALLOT_ACCURACY_SCORE, EXACT_FORM_MATCH, HAS_NO_ERRORS, VOTE_RESULTS_QUALITY,
};
use super::registry::{Compute, Evaluator, MetricType};
use super::value::MetricValue;

pub const OVERALL_ACCURACY: &str = "overall_accuracy";
pub const SUCCESS_RATE: &str = "success_rate";
pub const AVG_BALLOT_ACCURACY: &str = "avg_ballot_accuracy";
pub const MEAN_VOTE_RESULTS_QUALITY: &str = "mean_vote_results_quality";
pub const EXACT_FORM_MATCH_RATE: &str = "exact_form_match_rate";

/// The weights of the old service: form header, ballot accounting, vote results.
const FORM_WEIGHT: f64 = 0.2;
const BALLOT_WEIGHT: f64 = 0.4;
const VOTES_WEIGHT: f64 = 0.4;

pub(super) const EVALUATORS: [Evaluator; 5] = [
    summary(
        OVERALL_ACCURACY,
        "Mean over records of 0.2·exact_form_match + 0.4·ballot_accuracy_score + 0.4·vote_results_quality.",
        &[
            EXACT_FORM_MATCH,
            BALLOT_ACCURACY_SCORE,
            VOTE_RESULTS_QUALITY,
        ],
        weighted_accuracy,
    ),
    summary(
        SUCCESS_RATE,
        "Share of records with has_no_errors.",
        &[HAS_NO_ERRORS],
        share_true,
    ),
    summary(
        AVG_BALLOT_ACCURACY,
        "Mean ballot_accuracy_score.",
        &[BALLOT_ACCURACY_SCORE],
        score,
    ),
    summary(
        MEAN_VOTE_RESULTS_QUALITY,
        "Mean vote_results_quality.",
        &[VOTE_RESULTS_QUALITY],
        score,
    ),
    summary(
        EXACT_FORM_MATCH_RATE,
        "Share of records with exact_form_match.",
        &[EXACT_FORM_MATCH],
        share_true,
    ),
];

const fn summary(
    name: &'static str,
    description: &'static str,
    inputs: &'static [&'static str],
    per_record: fn(&[&MetricValue]) -> Option<f64>,
) -> Evaluator {
    Evaluator {
        name,
        metric_type: MetricType::Score,
        description,
        compute: Compute::Summary { inputs, per_record },
    }
}

fn weighted_accuracy(values: &[&MetricValue]) -> Option<f64> {
    match values {
        [
            MetricValue::Bool(form),
            MetricValue::Score(ballots),
            MetricValue::Score(votes),
        ] => Some(
            FORM_WEIGHT * f64::from(u8::from(*form))
                + BALLOT_WEIGHT * ballots.get()
                + VOTES_WEIGHT * votes.get(),
        ),
        _ => None,
    }
}

fn share_true(values: &[&MetricValue]) -> Option<f64> {
    match values {
        [MetricValue::Bool(value)] => Some(f64::from(u8::from(*value))),
        _ => None,
    }
}

fn score(values: &[&MetricValue]) -> Option<f64> {
    match values {
        [MetricValue::Score(score)] => Some(score.get()),
        _ => None,
    }
}
