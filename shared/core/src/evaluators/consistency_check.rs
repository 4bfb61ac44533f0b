//! The consistency rules over a labeller's reports, field by field: each failing
//! rule with a message and the paths of the fields it read, rule 4 as a warning, and
//! every count with its Thai words. The verdicts come from the same per-report
//! rules the evaluators use (`consistency`), so the workbench and the scores never
//! disagree.
//!
//! Paths name the report JSON's own fields: `reports[i].ballot_statistics.good_ballots`,
//! `reports[i].voter_statistics.voters_present`, `reports[i].vote_results[j].vote_count`,
//! `reports[i].vote_results[j].vote_count_text`.

use super::consistency::{
    BALLOT_BALANCE, BALLOT_SPLIT, FORMS_AGREE, TURNOUT_MATCH, TURNOUT_WITHIN_ROLL, VOTE_WORDS,
    VOTES_TOTAL, ballot_balance_holds, ballot_split_holds, form_pair, shared_fields, total,
    turnout_match_holds, turnout_within_roll_holds, vote_words_hold, votes_total_holds,
};
use crate::contract::views::{CheckView, NumberWords, RuleFailure};
use crate::extraction::{Count, Report};
use crate::thai_words;

/// Checks `reports` (one record's) against the seven rules.
pub fn check_reports(reports: &[Report]) -> CheckView {
    let mut view = CheckView::default();
    for (i, report) in reports.iter().enumerate() {
        let at = |field: &str| format!("reports[{i}].{field}");
        let b = &report.ballot_statistics;
        let shown = |count: Option<Count>| count.map_or(0, Count::get);
        if ballot_split_holds(report) == Some(false) {
            view.failures.push(failure(
                BALLOT_SPLIT,
                format!(
                    "good {} + bad {} + no-vote {} = {}, ballots_used says {}",
                    shown(b.good_ballots),
                    shown(b.bad_ballots),
                    shown(b.no_vote_ballots),
                    total(
                        [b.good_ballots, b.bad_ballots, b.no_vote_ballots]
                            .into_iter()
                            .flatten()
                    ),
                    shown(b.ballots_used)
                ),
                [
                    "ballot_statistics.ballots_used",
                    "ballot_statistics.good_ballots",
                    "ballot_statistics.bad_ballots",
                    "ballot_statistics.no_vote_ballots",
                ]
                .map(at)
                .to_vec(),
            ));
        }
        if votes_total_holds(report) == Some(false) {
            let sum = total(report.vote_results.iter().filter_map(|r| r.vote_count));
            let mut fields = vec![at("ballot_statistics.good_ballots")];
            fields.extend(
                (0..report.vote_results.len())
                    .map(|j| at(&format!("vote_results[{j}].vote_count"))),
            );
            view.failures.push(failure(
                VOTES_TOTAL,
                format!(
                    "the vote counts add up to {sum}, good_ballots says {}",
                    shown(b.good_ballots)
                ),
                fields,
            ));
        }
        if ballot_balance_holds(report) == Some(false) {
            view.failures.push(failure(
                BALLOT_BALANCE,
                format!(
                    "ballots_used {} + ballots_remaining {} = {}, ballots_allocated says {}",
                    shown(b.ballots_used),
                    shown(b.ballots_remaining),
                    total([b.ballots_used, b.ballots_remaining].into_iter().flatten()),
                    shown(b.ballots_allocated)
                ),
                [
                    "ballot_statistics.ballots_allocated",
                    "ballot_statistics.ballots_used",
                    "ballot_statistics.ballots_remaining",
                ]
                .map(at)
                .to_vec(),
            ));
        }
        let voters = report.voter_statistics.clone().unwrap_or_default();
        if turnout_match_holds(report) == Some(false) {
            view.warnings.push(failure(
                TURNOUT_MATCH,
                format!(
                    "ballots_used {} differs from voters_present {} (it happens on real forms)",
                    shown(b.ballots_used),
                    shown(voters.voters_present)
                ),
                [
                    "ballot_statistics.ballots_used",
                    "voter_statistics.voters_present",
                ]
                .map(at)
                .to_vec(),
            ));
        }
        if turnout_within_roll_holds(report) == Some(false) {
            view.failures.push(failure(
                TURNOUT_WITHIN_ROLL,
                format!(
                    "voters_present {} is more than eligible_voters {}",
                    shown(voters.voters_present),
                    shown(voters.eligible_voters)
                ),
                [
                    "voter_statistics.voters_present",
                    "voter_statistics.eligible_voters",
                ]
                .map(at)
                .to_vec(),
            ));
        }
        for (j, row) in report.vote_results.iter().enumerate() {
            if vote_words_hold(row) == Some(false) {
                let count = row.vote_count.map_or(0, Count::get);
                view.failures.push(failure(
                    VOTE_WORDS,
                    format!(
                        "vote_count_text \"{}\" does not spell vote_count {count} ({})",
                        row.vote_count_text.as_deref().unwrap_or_default(),
                        thai_words::spell(count)
                    ),
                    [
                        format!("vote_results[{j}].vote_count"),
                        format!("vote_results[{j}].vote_count_text"),
                    ]
                    .map(|f| at(&f))
                    .to_vec(),
                ));
            }
        }
        view.numbers.extend(numbers(i, report));
    }
    if let Some((c, p)) = form_pair(reports) {
        for ((field, constituency), (_, party_list)) in shared_fields(&reports[c])
            .into_iter()
            .zip(shared_fields(&reports[p]))
        {
            if let (Some(a), Some(b)) = (constituency, party_list)
                && a != b
            {
                view.failures.push(failure(
                    FORMS_AGREE,
                    format!(
                        "{field} is {} on the Constituency form and {} on the PartyList form",
                        a.get(),
                        b.get()
                    ),
                    vec![
                        format!("reports[{c}].{field}"),
                        format!("reports[{p}].{field}"),
                    ],
                ));
            }
        }
    }
    view
}

fn failure(rule: &str, message: String, fields: Vec<String>) -> RuleFailure {
    RuleFailure {
        rule: rule.to_string(),
        message,
        fields,
    }
}

/// Every count of report `i` with its Thai words, in form order.
fn numbers(i: usize, report: &Report) -> Vec<NumberWords> {
    let voters = report.voter_statistics.clone().unwrap_or_default();
    let mut counts: Vec<(String, Option<Count>)> = vec![
        (
            "voter_statistics.eligible_voters".into(),
            voters.eligible_voters,
        ),
        (
            "voter_statistics.voters_present".into(),
            voters.voters_present,
        ),
    ];
    counts.extend(
        report
            .ballot_statistics
            .fields()
            .map(|(name, count)| (format!("ballot_statistics.{name}"), count)),
    );
    counts.extend(
        report
            .vote_results
            .iter()
            .enumerate()
            .map(|(j, row)| (format!("vote_results[{j}].vote_count"), row.vote_count)),
    );
    counts
        .into_iter()
        .filter_map(|(field, count)| {
            let value = count?.get();
            Some(NumberWords {
                field: format!("reports[{i}].{field}"),
                value,
                thai_words: thai_words::spell(value),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reports(good: u64) -> Vec<Report> {
        serde_json::from_value(json!([{
            "form_info": {"form_type": "Constituency", "province": "p", "district": "d",
                          "polling_station_number": 1},
            "voter_statistics": {"eligible_voters": 200, "voters_present": 125},
            "ballot_statistics": {"ballots_allocated": 200, "ballots_used": 125,
                "good_ballots": good, "bad_ballots": 3, "no_vote_ballots": 2,
                "ballots_remaining": 75},
            "vote_results": [
                {"number": 1, "vote_count": 100, "vote_count_text": "หนึ่งร้อย"},
                {"number": 2, "vote_count": 20, "vote_count_text": "ยี่สิบ"}
            ]
        }]))
        .expect("fixture parses")
    }

    #[test]
    fn a_consistent_report_passes_and_its_numbers_have_words() {
        let view = check_reports(&reports(120));
        assert_eq!(view.failures, vec![]);
        assert_eq!(view.warnings, vec![]);
        let good = view
            .numbers
            .iter()
            .find(|n| n.field == "reports[0].ballot_statistics.good_ballots")
            .expect("good ballots listed");
        assert_eq!(good.thai_words, "หนึ่งร้อยยี่สิบ");
    }

    #[test]
    fn one_changed_number_fails_the_rules_that_read_it_naming_the_field() {
        let view = check_reports(&reports(121));
        let rules: Vec<&str> = view.failures.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, [BALLOT_SPLIT, VOTES_TOTAL]);
        assert!(
            view.failures[0]
                .fields
                .contains(&"reports[0].ballot_statistics.good_ballots".to_string())
        );
        assert_eq!(
            view.failures[0].message,
            "good 121 + bad 3 + no-vote 2 = 126, ballots_used says 125"
        );
    }
}
