//! The seven consistency rules of the forms (`forms.md`) as per-record evaluators
//! that need no expected output, so they also judge unlabelled production answers,
//! and a summary pass rate for each.
//!
//! A rule checks every report of the record it applies to and passes when all of them
//! pass. A report to which a rule cannot apply (a field it reads is missing) is skipped;
//! when no report of the record is checkable — or the task failed — the rule is not
//! applicable (`null`), and it is left out of the pass rate (passes / applicable
//! records). Rule 4 is a known real-world anomaly, so it yields `"pass"` or
//! `"warning"`, never a failure.

use super::outcome::Outcome;
use super::registry::{Compute, Evaluator, MetricType};
use super::value::MetricValue;
use crate::extraction::{Count, FormType, Report, VoteResult, VoterStatistics};
use crate::thai_words;

pub const BALLOT_SPLIT: &str = "consistency_ballot_split";
pub const VOTES_TOTAL: &str = "consistency_votes_total";
pub const BALLOT_BALANCE: &str = "consistency_ballot_balance";
pub const TURNOUT_MATCH: &str = "consistency_turnout_match";
pub const TURNOUT_WITHIN_ROLL: &str = "consistency_turnout_within_roll";
pub const VOTE_WORDS: &str = "consistency_vote_words";
pub const FORMS_AGREE: &str = "consistency_forms_agree";

/// The categorical values of rule 4.
pub const PASS: &str = "pass";
pub const WARNING: &str = "warning";

pub(super) const EVALUATORS: [Evaluator; 14] = [
    rule(
        BALLOT_SPLIT,
        "Rule 1: good + bad + no-vote ballots = ballots used.",
        ballot_split,
    ),
    rule(
        VOTES_TOTAL,
        "Rule 2: the vote counts add up to the good ballots.",
        votes_total,
    ),
    rule(
        BALLOT_BALANCE,
        "Rule 3: ballots allocated = ballots used + ballots remaining.",
        ballot_balance,
    ),
    Evaluator {
        name: TURNOUT_MATCH,
        metric_type: MetricType::Categorical,
        description: "Rule 4: ballots used = voters present; a mismatch is a warning (it happens on real forms), not a failure.",
        compute: Compute::Unlabelled(turnout_match),
    },
    rule(
        TURNOUT_WITHIN_ROLL,
        "Rule 5: voters present ≤ eligible voters.",
        turnout_within_roll,
    ),
    rule(
        VOTE_WORDS,
        "Rule 6: each vote_count_text (Thai words) spells its vote_count.",
        vote_words,
    ),
    rule(
        FORMS_AGREE,
        "Rule 7: the Constituency and PartyList forms agree on eligible voters, voters present and ballots allocated.",
        forms_agree,
    ),
    pass_rate(
        "consistency_ballot_split_pass_rate",
        &[BALLOT_SPLIT],
        "Share of applicable records passing rule 1 (ballot split).",
    ),
    pass_rate(
        "consistency_votes_total_pass_rate",
        &[VOTES_TOTAL],
        "Share of applicable records passing rule 2 (votes total).",
    ),
    pass_rate(
        "consistency_ballot_balance_pass_rate",
        &[BALLOT_BALANCE],
        "Share of applicable records passing rule 3 (ballot balance).",
    ),
    pass_rate(
        "consistency_turnout_match_pass_rate",
        &[TURNOUT_MATCH],
        "Share of applicable records without the rule 4 warning (turnout match).",
    ),
    pass_rate(
        "consistency_turnout_within_roll_pass_rate",
        &[TURNOUT_WITHIN_ROLL],
        "Share of applicable records passing rule 5 (turnout within roll).",
    ),
    pass_rate(
        "consistency_vote_words_pass_rate",
        &[VOTE_WORDS],
        "Share of applicable records passing rule 6 (vote words).",
    ),
    pass_rate(
        "consistency_forms_agree_pass_rate",
        &[FORMS_AGREE],
        "Share of applicable records passing rule 7 (forms agree).",
    ),
];

const fn rule(
    name: &'static str,
    description: &'static str,
    check: fn(&Outcome) -> MetricValue,
) -> Evaluator {
    Evaluator {
        name,
        metric_type: MetricType::Bool,
        description,
        compute: Compute::Unlabelled(check),
    }
}

const fn pass_rate(
    name: &'static str,
    rule: &'static [&'static str],
    description: &'static str,
) -> Evaluator {
    Evaluator {
        name,
        metric_type: MetricType::Score,
        description,
        compute: Compute::Summary {
            inputs: rule,
            per_record: passed,
        },
    }
}

/// 1 for a pass, 0 for a failure or warning, nothing when the rule did not apply.
fn passed(values: &[&MetricValue]) -> Option<f64> {
    match values {
        [MetricValue::Bool(pass)] => Some(if *pass { 1.0 } else { 0.0 }),
        [MetricValue::Categorical(value)] => Some(if value == PASS { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn ballot_split(outcome: &Outcome) -> MetricValue {
    every_report(outcome, ballot_split_holds).into()
}

fn votes_total(outcome: &Outcome) -> MetricValue {
    every_report(outcome, votes_total_holds).into()
}

fn ballot_balance(outcome: &Outcome) -> MetricValue {
    every_report(outcome, ballot_balance_holds).into()
}

fn turnout_match(outcome: &Outcome) -> MetricValue {
    match every_report(outcome, turnout_match_holds) {
        Some(true) => MetricValue::Categorical(PASS.to_string()),
        Some(false) => MetricValue::Categorical(WARNING.to_string()),
        None => MetricValue::NotApplicable,
    }
}

fn turnout_within_roll(outcome: &Outcome) -> MetricValue {
    every_report(outcome, turnout_within_roll_holds).into()
}

fn vote_words(outcome: &Outcome) -> MetricValue {
    every_report(outcome, |report| {
        all_of(report.vote_results.iter().filter_map(vote_words_hold))
    })
    .into()
}

fn forms_agree(outcome: &Outcome) -> MetricValue {
    let Some(reports) = outcome.reports() else {
        return MetricValue::NotApplicable;
    };
    let Some((constituency, party_list)) = form_pair(reports) else {
        return MetricValue::NotApplicable;
    };
    all_of(
        shared_fields(&reports[constituency])
            .into_iter()
            .zip(shared_fields(&reports[party_list]))
            .filter_map(|((_, c), (_, p))| Some(c? == p?)),
    )
    .into()
}

// The rules on one report (or one row, or the pair of forms): `None` when a field
// they read is missing. The evaluators above and the live check of a labeller's
// reports (`consistency_check`) both decide with these.

pub(super) fn ballot_split_holds(report: &Report) -> Option<bool> {
    let b = &report.ballot_statistics;
    Some(total([b.good_ballots?, b.bad_ballots?, b.no_vote_ballots?]) == total([b.ballots_used?]))
}

pub(super) fn votes_total_holds(report: &Report) -> Option<bool> {
    let good = report.ballot_statistics.good_ballots?;
    let counts: Vec<Count> = report
        .vote_results
        .iter()
        .map(|row| row.vote_count)
        .collect::<Option<_>>()?;
    Some(total(counts) == total([good]))
}

pub(super) fn ballot_balance_holds(report: &Report) -> Option<bool> {
    let b = &report.ballot_statistics;
    Some(total([b.ballots_allocated?]) == total([b.ballots_used?, b.ballots_remaining?]))
}

pub(super) fn turnout_match_holds(report: &Report) -> Option<bool> {
    Some(report.ballot_statistics.ballots_used? == voters(report)?.voters_present?)
}

pub(super) fn turnout_within_roll_holds(report: &Report) -> Option<bool> {
    let voters = voters(report)?;
    Some(voters.voters_present? <= voters.eligible_voters?)
}

pub(super) fn vote_words_hold(row: &VoteResult) -> Option<bool> {
    let words = row.vote_count_text.as_deref()?;
    Some(thai_words::parse(words) == Ok(row.vote_count?.get()))
}

/// The positions of the first Constituency and the first PartyList report.
pub(super) fn form_pair(reports: &[Report]) -> Option<(usize, usize)> {
    let first_of = |form_type| reports.iter().position(|r| r.form_type() == form_type);
    Some((
        first_of(FormType::Constituency)?,
        first_of(FormType::PartyList)?,
    ))
}

/// The fields both forms carry (rule 7), with their paths inside a report.
pub(super) fn shared_fields(report: &Report) -> [(&'static str, Option<Count>); 3] {
    let voters = voters(report);
    [
        (
            "voter_statistics.eligible_voters",
            voters.and_then(|v| v.eligible_voters),
        ),
        (
            "voter_statistics.voters_present",
            voters.and_then(|v| v.voters_present),
        ),
        (
            "ballot_statistics.ballots_allocated",
            report.ballot_statistics.ballots_allocated,
        ),
    ]
}

/// Applies `check` to every report; `None` when the task failed or no report could
/// be checked, otherwise whether every checkable report passed.
fn every_report(outcome: &Outcome, check: impl Fn(&Report) -> Option<bool>) -> Option<bool> {
    all_of(outcome.reports()?.iter().filter_map(check))
}

/// Whether every verdict is a pass; `None` when there is no verdict at all.
fn all_of(verdicts: impl Iterator<Item = bool>) -> Option<bool> {
    verdicts.fold(None, |all, pass| Some(all.unwrap_or(true) && pass))
}

fn voters(report: &Report) -> Option<&VoterStatistics> {
    report.voter_statistics.as_ref()
}

/// The sum of counts, wide enough that no sum of u64 counts overflows.
pub(super) fn total(counts: impl IntoIterator<Item = Count>) -> u128 {
    counts
        .into_iter()
        .map(|count| u128::from(count.get()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outcome(reports: serde_json::Value) -> Outcome {
        Outcome::Reports(serde_json::from_value(reports).expect("fixture parses"))
    }

    fn form(form_type: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut report = json!({
            "form_info": {"form_type": form_type, "province": "p", "district": "d",
                          "polling_station_number": 1},
            "ballot_statistics": {},
            "vote_results": []
        });
        for (key, value) in extra.as_object().into_iter().flatten() {
            report[key] = value.clone();
        }
        report
    }

    #[test]
    fn rules_without_their_fields_are_not_applicable() {
        let bare = outcome(json!([form("Constituency", json!({}))]));
        for check in [
            ballot_split,
            ballot_balance,
            turnout_match,
            turnout_within_roll,
            vote_words,
            forms_agree,
        ] {
            assert_eq!(check(&bare), MetricValue::NotApplicable);
        }
        // Rule 2 needs good ballots; with them, no rows sum to 0.
        assert_eq!(votes_total(&bare), MetricValue::NotApplicable);
        let no_rows = outcome(json!([form(
            "Constituency",
            json!({"ballot_statistics": {"good_ballots": 0}})
        )]));
        assert_eq!(votes_total(&no_rows), MetricValue::Bool(true));
        // A row without a vote count cannot be summed.
        let unread_row = outcome(json!([form(
            "Constituency",
            json!({
                "ballot_statistics": {"good_ballots": 5},
                "vote_results": [{"number": 1, "vote_count": 5}, {"number": 2}]
            })
        )]));
        assert_eq!(votes_total(&unread_row), MetricValue::NotApplicable);
    }

    #[test]
    fn a_checkable_report_decides_when_the_other_is_not_checkable() {
        // Constituency: 10 + 1 + 1 = 12 used (pass); PartyList lacks bad ballots (skipped).
        let mixed = outcome(json!([
            form(
                "Constituency",
                json!({"ballot_statistics": {
                "ballots_used": 12, "good_ballots": 10, "bad_ballots": 1, "no_vote_ballots": 1}})
            ),
            form(
                "PartyList",
                json!({"ballot_statistics": {
                "ballots_used": 12, "good_ballots": 10, "no_vote_ballots": 1}})
            ),
        ]));
        assert_eq!(ballot_split(&mixed), MetricValue::Bool(true));
        // 10 + 1 + 2 = 13 ≠ 12 on the PartyList form fails the record.
        let one_bad = outcome(json!([
            form(
                "Constituency",
                json!({"ballot_statistics": {
                "ballots_used": 12, "good_ballots": 10, "bad_ballots": 1, "no_vote_ballots": 1}})
            ),
            form(
                "PartyList",
                json!({"ballot_statistics": {
                "ballots_used": 12, "good_ballots": 10, "bad_ballots": 1, "no_vote_ballots": 2}})
            ),
        ]));
        assert_eq!(ballot_split(&one_bad), MetricValue::Bool(false));
    }

    #[test]
    fn rule_4_warns_and_rule_5_fails() {
        // 101 present, 100 used, 100 eligible.
        let crowded = outcome(json!([form(
            "Constituency",
            json!({
                "voter_statistics": {"eligible_voters": 100, "voters_present": 101},
                "ballot_statistics": {"ballots_used": 100}
            })
        )]));
        assert_eq!(
            turnout_match(&crowded),
            MetricValue::Categorical(WARNING.into())
        );
        assert_eq!(turnout_within_roll(&crowded), MetricValue::Bool(false));
    }

    #[test]
    fn rule_6_reads_the_words_and_fails_on_a_mismatch_or_nonsense() {
        let rows = |text: &str| {
            outcome(json!([form(
                "PartyList",
                json!({"vote_results": [
                    {"number": 1, "vote_count": 21, "vote_count_text": "(ยี่สิบเอ็ด)"},
                    {"number": 2, "vote_count": 7, "vote_count_text": text},
                    {"number": 3, "vote_count_text": "สาม"}
                ]})
            )]))
        };
        assert_eq!(vote_words(&rows("เจ็ด ถ้วน")), MetricValue::Bool(true));
        assert_eq!(vote_words(&rows("แปด")), MetricValue::Bool(false));
        assert_eq!(vote_words(&rows("7")), MetricValue::Bool(false));
        assert_eq!(vote_words(&rows("")), MetricValue::Bool(false));
    }

    #[test]
    fn rule_7_compares_the_two_forms_on_the_fields_both_have() {
        let pair = |party_list_present: u64| {
            outcome(json!([
                form(
                    "Constituency",
                    json!({"voter_statistics": {"eligible_voters": 500, "voters_present": 300},
                                            "ballot_statistics": {"ballots_allocated": 520}})
                ),
                form(
                    "PartyList",
                    json!({"voter_statistics": {"voters_present": party_list_present}})
                ),
            ]))
        };
        // Only voters_present is on both forms.
        assert_eq!(forms_agree(&pair(300)), MetricValue::Bool(true));
        assert_eq!(forms_agree(&pair(299)), MetricValue::Bool(false));
        let two_constituency = outcome(json!([
            form("Constituency", json!({})),
            form("Constituency", json!({}))
        ]));
        assert_eq!(forms_agree(&two_constituency), MetricValue::NotApplicable);
    }

    #[test]
    fn pass_rates_count_warnings_as_not_passing_and_skip_inapplicable() {
        assert_eq!(passed(&[&MetricValue::Bool(true)]), Some(1.0));
        assert_eq!(passed(&[&MetricValue::Bool(false)]), Some(0.0));
        assert_eq!(passed(&[&MetricValue::Categorical(PASS.into())]), Some(1.0));
        assert_eq!(
            passed(&[&MetricValue::Categorical(WARNING.into())]),
            Some(0.0)
        );
        assert_eq!(passed(&[&MetricValue::NotApplicable]), None);
    }
}
