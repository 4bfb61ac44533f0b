//! Hand-worked cases: every expected number is worked out in the comments from the
//! definitions in `forms.md`, not computed by the code under test.

use serde_json::json;

use super::*;
use crate::extraction::{Count, Report};

/// Constituency form of unit 4: 470 + 12 + 7 = 489 used, 489 + 331 = 820 allocated,
/// votes 250 + 150 + 70 = 470 good.
fn constituency() -> Report {
    report(json!({
        "form_info": {"form_type": "Constituency", "date": "2026-02-08", "province": "กรุงเทพมหานคร",
                      "district": "บางพลัด", "sub_district": "บางบำหรุ",
                      "constituency_number": 31, "polling_station_number": 4},
        "voter_statistics": {"eligible_voters": 812, "voters_present": 489},
        "ballot_statistics": {"ballots_allocated": 820, "ballots_used": 489, "good_ballots": 470,
                              "bad_ballots": 12, "no_vote_ballots": 7, "ballots_remaining": 331},
        "vote_results": [
            {"number": 1, "vote_count": 250, "vote_count_text": "สองร้อยห้าสิบ"},
            {"number": 2, "vote_count": 150, "vote_count_text": "หนึ่งร้อยห้าสิบ"},
            {"number": 3, "vote_count": 70, "vote_count_text": "เจ็ดสิบ"}
        ]
    }))
}

/// Party-list form of the same unit: 465 + 15 + 9 = 489 used, votes
/// 200 + 150 + 100 + 15 = 465 good.
fn party_list() -> Report {
    report(json!({
        "form_info": {"form_type": "PartyList", "date": "2026-02-08", "province": "กรุงเทพมหานคร",
                      "district": "บางพลัด", "sub_district": "บางบำหรุ",
                      "constituency_number": 31, "polling_station_number": 4},
        "voter_statistics": {"eligible_voters": 812, "voters_present": 489},
        "ballot_statistics": {"ballots_allocated": 820, "ballots_used": 489, "good_ballots": 465,
                              "bad_ballots": 15, "no_vote_ballots": 9, "ballots_remaining": 331},
        "vote_results": [
            {"number": 1, "vote_count": 200, "vote_count_text": "สองร้อย"},
            {"number": 2, "vote_count": 150, "vote_count_text": "หนึ่งร้อยห้าสิบ"},
            {"number": 3, "vote_count": 100, "vote_count_text": "หนึ่งร้อย"},
            {"number": 4, "vote_count": 15, "vote_count_text": "สิบห้า"}
        ]
    }))
}

fn report(value: serde_json::Value) -> Report {
    serde_json::from_value(value).expect("fixture is a valid report")
}

fn expected() -> Vec<Report> {
    vec![constituency(), party_list()]
}

/// The constituency form with good ballots misread as 407 instead of 470.
fn constituency_with_wrong_good_ballots() -> Report {
    let mut wrong = constituency();
    wrong.ballot_statistics.good_ballots = Some(Count(407));
    wrong
}

fn evaluate(expected: &[Report], outcome: &Outcome) -> Evaluations {
    evaluate_record(Some(expected), outcome)
}

fn answer(reports: Vec<Report>) -> Outcome {
    Outcome::Reports(reports)
}

#[track_caller]
fn assert_score(evaluations: &Evaluations, name: &str, expected: f64) {
    match evaluations.get(name) {
        MetricValue::Score(score) => assert!(
            (score.get() - expected).abs() < 1e-12,
            "{name}: expected {expected}, got {score}"
        ),
        other => panic!("{name}: expected score {expected}, got {other:?}"),
    }
}

#[track_caller]
fn assert_value(evaluations: &Evaluations, name: &str, expected: MetricValue) {
    assert_eq!(evaluations.get(name), &expected, "{name}");
}

/// overall_accuracy of a single record, through the summary evaluator.
fn record_overall(evaluations: &Evaluations) -> Evaluations {
    summarize(std::slice::from_ref(evaluations))
}

fn pass() -> MetricValue {
    MetricValue::Categorical(PASS.to_string())
}

#[test]
fn perfect_answer() {
    let values = evaluate(&expected(), &answer(expected()));
    assert_value(&values, EXACT_FORM_MATCH, MetricValue::Bool(true));
    assert_score(&values, BALLOT_ACCURACY_SCORE, 1.0);
    assert_score(&values, VOTE_RESULTS_QUALITY, 1.0);
    assert_value(&values, HAS_NO_ERRORS, MetricValue::Bool(true));
    // 0.2·1 + 0.4·1 + 0.4·1 = 1
    assert_score(&record_overall(&values), OVERALL_ACCURACY, 1.0);
    for rule in [
        BALLOT_SPLIT,
        VOTES_TOTAL,
        BALLOT_BALANCE,
        TURNOUT_WITHIN_ROLL,
        VOTE_WORDS,
        FORMS_AGREE,
    ] {
        assert_value(&values, rule, MetricValue::Bool(true));
    }
    assert_value(&values, TURNOUT_MATCH, pass());
    assert_eq!(diff(&expected(), &expected()), vec![]);
}

#[test]
fn one_wrong_ballot_field_in_a_single_form_record() {
    let expected = vec![constituency()];
    let values = evaluate(
        &expected,
        &answer(vec![constituency_with_wrong_good_ballots()]),
    );
    // 5 of the 6 ballot fields equal.
    assert_score(&values, BALLOT_ACCURACY_SCORE, 5.0 / 6.0);
    assert_value(&values, EXACT_FORM_MATCH, MetricValue::Bool(true));
    assert_score(&values, VOTE_RESULTS_QUALITY, 1.0);
    // 0.2·1 + 0.4·5/6 + 0.4·1 = 0.2 + 0.3333… + 0.4 = 0.9333… = 14/15
    assert_score(&record_overall(&values), OVERALL_ACCURACY, 14.0 / 15.0);
    // 407 + 12 + 7 = 426 ≠ 489 used; votes 470 ≠ 407 good. Allocation still balances.
    assert_value(&values, BALLOT_SPLIT, MetricValue::Bool(false));
    assert_value(&values, VOTES_TOTAL, MetricValue::Bool(false));
    assert_value(&values, BALLOT_BALANCE, MetricValue::Bool(true));
    // Only one form: rule 7 has nothing to compare.
    assert_value(&values, FORMS_AGREE, MetricValue::NotApplicable);
}

#[test]
fn one_wrong_ballot_field_next_to_a_correct_form() {
    let values = evaluate(
        &expected(),
        &answer(vec![constituency_with_wrong_good_ballots(), party_list()]),
    );
    // Constituency 5/6, PartyList 6/6: (5/6 + 1) / 2 = 11/12.
    assert_score(&values, BALLOT_ACCURACY_SCORE, 11.0 / 12.0);
    // 0.2·1 + 0.4·11/12 + 0.4·1 = 0.2 + 0.3666… + 0.4 = 29/30
    assert_score(&record_overall(&values), OVERALL_ACCURACY, 29.0 / 30.0);
    assert_eq!(
        diff(
            &expected(),
            &[constituency_with_wrong_good_ballots(), party_list()]
        ),
        vec![Difference::Changed {
            path: "Constituency.ballot_statistics.good_ballots".into(),
            expected: json!(470),
            actual: json!(407),
        }]
    );
}

#[test]
fn a_missing_vote_row() {
    let mut short = constituency();
    short.vote_results.remove(2); // candidate 3, 70 votes
    let actual = vec![short, party_list()];
    let values = evaluate(&expected(), &answer(actual.clone()));
    // Constituency 2 of 3 rows, PartyList 4 of 4: (2/3 + 1) / 2 = 5/6.
    assert_score(&values, VOTE_RESULTS_QUALITY, 5.0 / 6.0);
    assert_score(&values, BALLOT_ACCURACY_SCORE, 1.0);
    assert_value(&values, EXACT_FORM_MATCH, MetricValue::Bool(true));
    // 0.2·1 + 0.4·1 + 0.4·5/6 = 0.6 + 0.3333… = 14/15
    assert_score(&record_overall(&values), OVERALL_ACCURACY, 14.0 / 15.0);
    // 250 + 150 = 400 ≠ 470 good ballots.
    assert_value(&values, VOTES_TOTAL, MetricValue::Bool(false));
    assert_eq!(
        diff(&expected(), &actual),
        vec![Difference::MissingRow {
            path: "Constituency.vote_results[number=3]".into(),
            expected: json!({"number": 3, "vote_count": 70, "vote_count_text": "เจ็ดสิบ"}),
        }]
    );
}

#[test]
fn reports_in_swapped_order_score_as_in_order() {
    let swapped = vec![party_list(), constituency()];
    let values = evaluate(&expected(), &answer(swapped.clone()));
    assert_eq!(values, evaluate(&expected(), &answer(expected())));
    assert_value(&values, EXACT_FORM_MATCH, MetricValue::Bool(true));
    assert_score(&values, BALLOT_ACCURACY_SCORE, 1.0);
    assert_score(&values, VOTE_RESULTS_QUALITY, 1.0);
    assert_eq!(diff(&expected(), &swapped), vec![]);
}

#[test]
fn a_missing_party_list_report() {
    let values = evaluate(&expected(), &answer(vec![constituency()]));
    // Two form types expected; PartyList is missing and scores 0 for its form type.
    assert_value(&values, EXACT_FORM_MATCH, MetricValue::Bool(false));
    // (1 + 0) / 2 = 0.5 for both.
    assert_score(&values, BALLOT_ACCURACY_SCORE, 0.5);
    assert_score(&values, VOTE_RESULTS_QUALITY, 0.5);
    assert_value(&values, HAS_NO_ERRORS, MetricValue::Bool(true));
    // 0.2·0 + 0.4·0.5 + 0.4·0.5 = 0.4
    assert_score(&record_overall(&values), OVERALL_ACCURACY, 0.4);
    assert_value(&values, FORMS_AGREE, MetricValue::NotApplicable);
    assert_eq!(
        diff(&expected(), &[constituency()]),
        vec![Difference::MissingReport {
            path: "PartyList".into()
        }]
    );
}

#[test]
fn an_extra_report_scores_zero_for_its_form_type() {
    let values = evaluate(&[constituency()], &answer(expected()));
    // Constituency perfect, PartyList not expected: (1 + 0) / 2 = 0.5.
    assert_value(&values, EXACT_FORM_MATCH, MetricValue::Bool(false));
    assert_score(&values, BALLOT_ACCURACY_SCORE, 0.5);
    assert_eq!(
        diff(&[constituency()], &[constituency(), constituency()]),
        vec![Difference::ExtraReport {
            path: "Constituency#2".into()
        }]
    );
}

#[test]
fn an_unparsable_output_is_a_failed_record() {
    let outcome = Outcome::from_answer("Sorry, I cannot read this form.");
    let Outcome::Failed(message) = &outcome else {
        panic!("prose is not a list of reports: {outcome:?}");
    };
    assert!(
        message.starts_with("unparsable output: the answer is not valid JSON"),
        "{message}"
    );
    let values = evaluate(&expected(), &outcome);
    // The failed-record rule: 0 / false in every accuracy evaluator.
    assert_value(&values, EXACT_FORM_MATCH, MetricValue::Bool(false));
    assert_score(&values, BALLOT_ACCURACY_SCORE, 0.0);
    assert_score(&values, VOTE_RESULTS_QUALITY, 0.0);
    assert_value(&values, HAS_NO_ERRORS, MetricValue::Bool(false));
    assert_score(&record_overall(&values), OVERALL_ACCURACY, 0.0);
    // No reports: nothing to check for consistency.
    for rule in [
        BALLOT_SPLIT,
        VOTES_TOTAL,
        BALLOT_BALANCE,
        TURNOUT_MATCH,
        TURNOUT_WITHIN_ROLL,
        VOTE_WORDS,
        FORMS_AGREE,
    ] {
        assert_value(&values, rule, MetricValue::NotApplicable);
    }
}

#[test]
fn summary_over_a_mixed_set() {
    // Record C: PartyList missing, and the constituency form says 490 voters came
    // while 489 ballots were used (rule 4 warning).
    let mut busier = constituency();
    if let Some(voters) = busier.voter_statistics.as_mut() {
        voters.voters_present = Some(Count(490));
    }
    let records = [
        // A: perfect — efm 1, ballot 1, votes 1, overall 1.
        evaluate(&expected(), &answer(expected())),
        // B: good ballots misread — efm 1, ballot 11/12, votes 1, overall 29/30.
        evaluate(
            &expected(),
            &answer(vec![constituency_with_wrong_good_ballots(), party_list()]),
        ),
        // C: efm 0, ballot 1/2, votes 1/2, overall 0.4.
        evaluate(&expected(), &answer(vec![busier])),
        // D: failed — efm 0, ballot 0, votes 0, overall 0, no consistency verdicts.
        evaluate(&expected(), &Outcome::Failed("model call timed out".into())),
    ];
    let summary = summarize(&records);
    // (1 + 29/30 + 12/30 + 0) / 4 = (71/30) / 4 = 71/120 = 0.591666…
    assert_score(&summary, OVERALL_ACCURACY, 71.0 / 120.0);
    // A, B, C produced output: 3/4.
    assert_score(&summary, SUCCESS_RATE, 0.75);
    // (12/12 + 11/12 + 6/12 + 0) / 4 = (29/12) / 4 = 29/48
    assert_score(&summary, AVG_BALLOT_ACCURACY, 29.0 / 48.0);
    // (1 + 1 + 0.5 + 0) / 4 = 0.625
    assert_score(&summary, MEAN_VOTE_RESULTS_QUALITY, 0.625);
    // A and B: 2/4.
    assert_score(&summary, EXACT_FORM_MATCH_RATE, 0.5);
    // Consistency rates count A, B, C (D has no reports).
    // Rule 1 and 2: B fails → 2/3. Rule 3: all balance → 1.
    assert_score(&summary, "consistency_ballot_split_pass_rate", 2.0 / 3.0);
    assert_score(&summary, "consistency_votes_total_pass_rate", 2.0 / 3.0);
    assert_score(&summary, "consistency_ballot_balance_pass_rate", 1.0);
    // Rule 4: C warns → 2/3. Rule 5: 490 ≤ 812 still → 1. Rule 6: 1.
    assert_score(&summary, "consistency_turnout_match_pass_rate", 2.0 / 3.0);
    assert_score(&summary, "consistency_turnout_within_roll_pass_rate", 1.0);
    assert_score(&summary, "consistency_vote_words_pass_rate", 1.0);
    // Rule 7: C has one form only → applicable to A and B, both agree: 2/2.
    assert_score(&summary, "consistency_forms_agree_pass_rate", 1.0);
    assert_eq!(
        records[2].get(TURNOUT_MATCH),
        &MetricValue::Categorical(WARNING.into())
    );
    // Every summary evaluator reported a value.
    let summaries = registry()
        .iter()
        .filter(|e| e.kind() == Kind::Summary)
        .count();
    assert_eq!(summary.len(), summaries);
}

#[test]
fn unlabelled_records_are_judged_by_consistency_and_errors_only() {
    let records = [
        evaluate_record(None, &answer(expected())),
        evaluate_record(None, &Outcome::Failed("quota exhausted".into())),
    ];
    assert_value(
        &records[0],
        BALLOT_ACCURACY_SCORE,
        MetricValue::NotApplicable,
    );
    assert_value(&records[0], BALLOT_SPLIT, MetricValue::Bool(true));
    let summary = summarize(&records);
    assert_value(&summary, OVERALL_ACCURACY, MetricValue::NotApplicable);
    assert_value(&summary, AVG_BALLOT_ACCURACY, MetricValue::NotApplicable);
    // 1 of 2 produced output.
    assert_score(&summary, SUCCESS_RATE, 0.5);
    assert_score(&summary, "consistency_ballot_split_pass_rate", 1.0);
}

#[test]
fn per_record_values_have_their_declared_type() {
    let outcomes = [
        answer(expected()),
        answer(vec![constituency()]),
        Outcome::Failed("boom".into()),
    ];
    for outcome in &outcomes {
        for (name, value) in evaluate(&expected(), outcome).iter() {
            let declared = by_name(name).map(Evaluator::metric_type);
            let actual = match value {
                MetricValue::Bool(_) => MetricType::Bool,
                MetricValue::Score(_) => MetricType::Score,
                MetricValue::Categorical(_) => MetricType::Categorical,
                MetricValue::NotApplicable => continue,
            };
            assert_eq!(declared, Some(actual), "{name}");
        }
    }
}
