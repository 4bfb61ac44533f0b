//! The four per-record evaluators of the old service, with corrected semantics.
//!
//! Reports are matched by form type (`matching`), never by position. Every form type
//! present in the expected or the actual output is scored on its own; a missing or an
//! extra report scores 0 (false) for its form type; the record's score is the mean over
//! form types. A record that expects no reports and gets none has nothing wrong: 1.
//!
//! **Failed records.** When the task failed or its output was unparsable, the record
//! scores `exact_form_match = false`, `ballot_accuracy_score = 0`,
//! `vote_results_quality = 0` and `has_no_errors = false`. It therefore counts as 0 in
//! every accuracy mean (`overall_accuracy`, `avg_ballot_accuracy`, …): a model that
//! fails half the records cannot look accurate by being judged on the other half only.

use std::collections::HashMap;

use super::matching::match_reports;
use super::outcome::Outcome;
use super::registry::{Compute, Evaluator, MetricType};
use super::value::{MetricValue, Score};
use crate::extraction::{Count, Report};

pub const EXACT_FORM_MATCH: &str = "exact_form_match";
pub const BALLOT_ACCURACY_SCORE: &str = "ballot_accuracy_score";
pub const VOTE_RESULTS_QUALITY: &str = "vote_results_quality";
pub const HAS_NO_ERRORS: &str = "has_no_errors";

pub(super) const EVALUATORS: [Evaluator; 4] = [
    Evaluator {
        name: EXACT_FORM_MATCH,
        metric_type: MetricType::Bool,
        description: "Every expected form is present, no extra one, and each form_info equals the expected one.",
        compute: Compute::Labelled(exact_form_match),
    },
    Evaluator {
        name: BALLOT_ACCURACY_SCORE,
        metric_type: MetricType::Score,
        description: "Share of the six ballot_statistics fields that equal the expected ones, averaged over form types.",
        compute: Compute::Labelled(ballot_accuracy_score),
    },
    Evaluator {
        name: VOTE_RESULTS_QUALITY,
        metric_type: MetricType::Score,
        description: "Share of expected vote rows (keyed by number) whose vote_count matches, averaged over form types.",
        compute: Compute::Labelled(vote_results_quality),
    },
    Evaluator {
        name: HAS_NO_ERRORS,
        metric_type: MetricType::Bool,
        description: "The task produced an output that parsed as a list of reports.",
        compute: Compute::Unlabelled(has_no_errors),
    },
];

fn exact_form_match(expected: &[Report], outcome: &Outcome) -> MetricValue {
    let Some(actual) = outcome.reports() else {
        return MetricValue::Bool(false);
    };
    let all_equal = match_reports(expected, actual).iter().all(|slot| {
        matches!((slot.expected, slot.actual), (Some(e), Some(a)) if e.form_info == a.form_info)
    });
    MetricValue::Bool(all_equal)
}

fn ballot_accuracy_score(expected: &[Report], outcome: &Outcome) -> MetricValue {
    mean_over_form_types(expected, outcome, |expected, actual| {
        let pairs = expected
            .ballot_statistics
            .fields()
            .into_iter()
            .zip(actual.ballot_statistics.fields());
        let equal = pairs.filter(|((_, e), (_, a))| e == a).count();
        equal as f64 / 6.0
    })
}

fn vote_results_quality(expected: &[Report], outcome: &Outcome) -> MetricValue {
    mean_over_form_types(expected, outcome, |expected, actual| {
        if expected.vote_results.is_empty() {
            // Nothing to find: full marks only if nothing was invented either.
            return if actual.vote_results.is_empty() {
                1.0
            } else {
                0.0
            };
        }
        // The first row of a number counts; a repeated row cannot fix a wrong one.
        let mut actual_counts: HashMap<Count, Option<Count>> = HashMap::new();
        for row in &actual.vote_results {
            actual_counts.entry(row.number).or_insert(row.vote_count);
        }
        let matching = expected
            .vote_results
            .iter()
            .filter(|row| actual_counts.get(&row.number) == Some(&row.vote_count))
            .count();
        matching as f64 / expected.vote_results.len() as f64
    })
}

fn has_no_errors(outcome: &Outcome) -> MetricValue {
    MetricValue::Bool(outcome.reports().is_some())
}

/// Scores each form type with `score` (0 when one side is missing) and averages.
fn mean_over_form_types(
    expected: &[Report],
    outcome: &Outcome,
    score: impl Fn(&Report, &Report) -> f64,
) -> MetricValue {
    let Some(actual) = outcome.reports() else {
        return MetricValue::Score(Score::ZERO);
    };
    let slots = match_reports(expected, actual);
    if slots.is_empty() {
        return MetricValue::Score(Score::ONE);
    }
    let per_form_type = slots.iter().map(|slot| match (slot.expected, slot.actual) {
        (Some(expected), Some(actual)) => score(expected, actual),
        _ => 0.0,
    });
    Score::mean(per_form_type).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(rows: serde_json::Value) -> Vec<Report> {
        serde_json::from_value(json!([{
            "form_info": {"form_type": "PartyList", "province": "p", "district": "d",
                          "polling_station_number": 1},
            "ballot_statistics": {}, "vote_results": rows
        }]))
        .expect("fixture parses")
    }

    #[test]
    fn a_repeated_row_cannot_fix_a_wrong_first_one() {
        let expected =
            form(json!([{"number": 1, "vote_count": 5}, {"number": 2, "vote_count": 3}]));
        let actual = form(json!([
            {"number": 1, "vote_count": 50}, {"number": 1, "vote_count": 5}, {"number": 2, "vote_count": 3}
        ]));
        // Row 1 read as 50 first: 1 of 2 rows right.
        let quality = vote_results_quality(&expected, &Outcome::Reports(actual));
        assert_eq!(quality, MetricValue::Score(Score::new(0.5).unwrap()));
    }

    #[test]
    fn a_form_without_rows_scores_whether_rows_were_invented() {
        let empty = form(json!([]));
        assert_eq!(
            vote_results_quality(&empty, &Outcome::Reports(empty.clone())),
            MetricValue::Score(Score::ONE)
        );
        let invented = form(json!([{"number": 1, "vote_count": 5}]));
        assert_eq!(
            vote_results_quality(&empty, &Outcome::Reports(invented)),
            MetricValue::Score(Score::ZERO)
        );
    }

    #[test]
    fn nothing_expected_and_nothing_read_is_a_full_match() {
        let nothing = Outcome::Reports(vec![]);
        assert_eq!(exact_form_match(&[], &nothing), MetricValue::Bool(true));
        assert_eq!(
            ballot_accuracy_score(&[], &nothing),
            MetricValue::Score(Score::ONE)
        );
    }
}
