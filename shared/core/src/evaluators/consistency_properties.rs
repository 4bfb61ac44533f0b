//! Property test of the consistency rules: forms generated consistent pass all seven
//! rules, and perturbing one field fails exactly the rules that read it.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::Index;

use super::{
    BALLOT_BALANCE, BALLOT_SPLIT, FORMS_AGREE, MetricValue, Outcome, PASS, TURNOUT_MATCH,
    TURNOUT_WITHIN_ROLL, VOTE_WORDS, VOTES_TOTAL, evaluate_record,
};
use crate::extraction::{
    BallotStatistics, Count, FormInfo, FormType, Report, VoteResult, VoterStatistics,
};
use crate::thai_words;

const RULES: [&str; 7] = [
    BALLOT_SPLIT,
    VOTES_TOTAL,
    BALLOT_BALANCE,
    TURNOUT_MATCH,
    TURNOUT_WITHIN_ROLL,
    VOTE_WORDS,
    FORMS_AGREE,
];

/// How one form splits its used ballots and its good votes.
#[derive(Debug, Clone)]
struct FormSplit {
    bad: u64,
    no_vote: u64,
    /// Relative weights of the rows; their number is the number of rows.
    vote_weights: Vec<u64>,
}

/// A polling unit whose two forms are consistent by construction.
#[derive(Debug, Clone)]
struct Unit {
    eligible: u64,
    present: u64,
    allocated: u64,
    forms: [FormSplit; 2],
}

fn form_split() -> impl Strategy<Value = FormSplit> {
    (
        0u64..=60,
        0u64..=30,
        prop::collection::vec(0u64..100, 1..12),
    )
        .prop_map(|(bad, no_vote, vote_weights)| FormSplit {
            bad,
            no_vote,
            vote_weights,
        })
}

prop_compose! {
    fn unit()(
        eligible in 100u64..=1040,
        turnout_percent in 30u64..=100,
        spare_blocks in 0u64..5,
        forms in [form_split(), form_split()],
    ) -> Unit {
        let present = (eligible * turnout_percent / 100).max(1);
        // Allocations come in blocks of 20, at least enough for everyone who came.
        let allocated = present.div_ceil(20) * 20 + spare_blocks * 20;
        Unit { eligible, present, allocated, forms }
    }
}

fn build(unit: &Unit) -> Vec<Report> {
    FormType::ALL
        .iter()
        .zip(&unit.forms)
        .map(|(form_type, split)| {
            let used = unit.present;
            let bad = split.bad.min(used);
            let no_vote = split.no_vote.min(used - bad);
            let good = used - bad - no_vote;
            Report {
                form_info: FormInfo {
                    form_type: *form_type,
                    date: None,
                    province: "ขอนแก่น".into(),
                    district: "เมืองขอนแก่น".into(),
                    sub_district: None,
                    constituency_number: Some(Count(1)),
                    polling_station_number: Count(7),
                },
                voter_statistics: Some(VoterStatistics {
                    eligible_voters: Some(Count(unit.eligible)),
                    voters_present: Some(Count(unit.present)),
                }),
                ballot_statistics: BallotStatistics {
                    ballots_allocated: Some(Count(unit.allocated)),
                    ballots_used: Some(Count(used)),
                    good_ballots: Some(Count(good)),
                    bad_ballots: Some(Count(bad)),
                    no_vote_ballots: Some(Count(no_vote)),
                    ballots_remaining: Some(Count(unit.allocated - used)),
                },
                vote_results: split_votes(good, &split.vote_weights)
                    .into_iter()
                    .enumerate()
                    .map(|(i, votes)| VoteResult {
                        number: Count(i as u64 + 1),
                        candidate_name: None,
                        party_name: None,
                        vote_count: Some(Count(votes)),
                        vote_count_text: Some(thai_words::spell(votes)),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Splits `total` by `weights`; the rounding remainder goes to the first row.
fn split_votes(total: u64, weights: &[u64]) -> Vec<u64> {
    let weight_sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut votes: Vec<u64> = weights.iter().map(|w| total * w / weight_sum).collect();
    let assigned: u64 = votes.iter().sum();
    votes[0] += total - assigned;
    votes
}

/// One field changed by `delta` (≥ 1) on one form.
#[derive(Debug, Clone, Copy)]
enum Perturbation {
    GoodBallots,
    BadBallots,
    NoVoteBallots,
    BallotsUsed,
    BallotsRemaining,
    BallotsAllocated,
    /// Raised above the eligible voters.
    VotersPresentAboveRoll,
    /// Lowered below the voters present.
    EligibleBelowPresent,
    VoteCount,
    VoteCountText,
}

impl Perturbation {
    /// The rules that read the field, hence must now fail (rule 4: warn).
    fn touched_rules(self) -> BTreeSet<&'static str> {
        use Perturbation::*;
        let rules: &[&str] = match self {
            GoodBallots => &[BALLOT_SPLIT, VOTES_TOTAL],
            BadBallots | NoVoteBallots => &[BALLOT_SPLIT],
            BallotsUsed => &[BALLOT_SPLIT, BALLOT_BALANCE, TURNOUT_MATCH],
            BallotsRemaining => &[BALLOT_BALANCE],
            BallotsAllocated => &[BALLOT_BALANCE, FORMS_AGREE],
            VotersPresentAboveRoll => &[TURNOUT_MATCH, TURNOUT_WITHIN_ROLL, FORMS_AGREE],
            EligibleBelowPresent => &[TURNOUT_WITHIN_ROLL, FORMS_AGREE],
            VoteCount => &[VOTES_TOTAL, VOTE_WORDS],
            VoteCountText => &[VOTE_WORDS],
        };
        rules.iter().copied().collect()
    }

    fn apply(self, report: &mut Report, delta: u64, row: Index) {
        let bump = |count: &mut Option<Count>| *count = count.map(|c| Count(c.get() + delta));
        let ballots = &mut report.ballot_statistics;
        let voters = report.voter_statistics.get_or_insert_with(Default::default);
        let present = voters.voters_present.map_or(0, Count::get);
        let eligible = voters.eligible_voters.map_or(0, Count::get);
        let row_index = row.index(report.vote_results.len());
        let vote_row = &mut report.vote_results[row_index];
        match self {
            Perturbation::GoodBallots => bump(&mut ballots.good_ballots),
            Perturbation::BadBallots => bump(&mut ballots.bad_ballots),
            Perturbation::NoVoteBallots => bump(&mut ballots.no_vote_ballots),
            Perturbation::BallotsUsed => bump(&mut ballots.ballots_used),
            Perturbation::BallotsRemaining => bump(&mut ballots.ballots_remaining),
            Perturbation::BallotsAllocated => bump(&mut ballots.ballots_allocated),
            Perturbation::VotersPresentAboveRoll => {
                voters.voters_present = Some(Count(eligible + delta))
            }
            Perturbation::EligibleBelowPresent => {
                voters.eligible_voters = Some(Count(present - delta.min(present)))
            }
            Perturbation::VoteCount => bump(&mut vote_row.vote_count),
            Perturbation::VoteCountText => {
                let votes = vote_row.vote_count.map_or(0, Count::get);
                vote_row.vote_count_text = Some(thai_words::spell(votes + delta));
            }
        }
    }
}

fn perturbation() -> impl Strategy<Value = Perturbation> {
    use Perturbation::*;
    prop::sample::select(vec![
        GoodBallots,
        BadBallots,
        NoVoteBallots,
        BallotsUsed,
        BallotsRemaining,
        BallotsAllocated,
        VotersPresentAboveRoll,
        EligibleBelowPresent,
        VoteCount,
        VoteCountText,
    ])
}

/// The rules whose verdict is not a pass; panics on a rule that did not apply, since
/// every generated form carries every field.
fn failing_rules(reports: Vec<Report>) -> BTreeSet<&'static str> {
    let values = evaluate_record(None, &Outcome::Reports(reports));
    RULES
        .into_iter()
        .filter(|rule| match values.get(rule) {
            MetricValue::Bool(pass) => !pass,
            MetricValue::Categorical(verdict) => verdict != PASS,
            other => panic!("{rule} should apply, got {other:?}"),
        })
        .collect()
}

proptest! {
    #[test]
    fn consistent_forms_pass_every_rule(unit in unit()) {
        prop_assert_eq!(failing_rules(build(&unit)), BTreeSet::new());
    }

    #[test]
    fn one_perturbed_field_fails_exactly_the_rules_that_read_it(
        unit in unit(),
        perturbation in perturbation(),
        form in 0usize..2,
        delta in 1u64..=50,
        row in any::<Index>(),
    ) {
        let mut reports = build(&unit);
        perturbation.apply(&mut reports[form], delta, row);
        prop_assert_eq!(failing_rules(reports), perturbation.touched_rules());
    }
}
