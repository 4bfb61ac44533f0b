//! Realistic polling units of แขวงบางบำหรุ, เขตบางพลัด, กรุงเทพมหานคร and the two
//! reports each one yields.
//!
//! The numbers follow the 2026 per-unit data: 100–1,040 eligible voters, turnout
//! around 60 %, 2–6 % bad ballots, allocations in multiples of 20 (sometimes below
//! the eligible count), and arithmetic that holds: good + bad + no-vote = used,
//! allocated = used + remaining, the votes add up to the good ballots, and both forms
//! of a unit agree on voters and allocation. A planted anomaly (optional) breaks
//! exactly one thing real forms sometimes break: ballots used ≠ voters present.

use serde_json::{Value, json};
use tally_core::extraction::{
    BallotStatistics, Count, FormInfo, FormType, Report, VoteResult, VoterStatistics,
};
use tally_core::thai_words;

use super::dice::{Dice, Purpose};
use super::names::{FEMALE_FIRST, MALE_FIRST, PARTIES, SURNAMES, full_name};

pub const PROVINCE: &str = "กรุงเทพมหานคร";
pub const DISTRICT: &str = "บางพลัด";
pub const SUB_DISTRICT: &str = "บางบำหรุ";
pub const CONSTITUENCY: u64 = 31;
/// Election day, 8 February 2026 (พ.ศ. ๒๕๖๙).
pub const ELECTION_DATE: &str = "2026-02-08";
const CANDIDATES: usize = 9;

/// A constituency candidate: ballot number, name with title, party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub number: u64,
    pub name: String,
    pub party: &'static str,
}

/// What every unit of the dataset shares: the candidates, the parties and how
/// popular each is.
#[derive(Debug, Clone)]
pub struct Contest {
    pub candidates: Vec<Candidate>,
    candidate_weights: Vec<f64>,
    party_weights: Vec<f64>,
}

impl Contest {
    pub fn draw(seed: u64) -> Contest {
        let mut dice = Dice::new(seed, Purpose::Setup, 0);
        // A few large parties and a long tail of small ones.
        let party_weights: Vec<f64> = (0..PARTIES.len())
            .map(|_| 0.01 + dice.fraction().powi(4))
            .collect();
        let party_indices = dice.choose(&(0..PARTIES.len()).collect::<Vec<_>>(), CANDIDATES);
        let mut candidates = Vec::new();
        let mut candidate_weights = Vec::new();
        for (i, party) in party_indices.into_iter().enumerate() {
            let female = dice.chance(0.4);
            let first = if female {
                FEMALE_FIRST[dice.below(FEMALE_FIRST.len() as u64) as usize]
            } else {
                MALE_FIRST[dice.below(MALE_FIRST.len() as u64) as usize]
            };
            let surname = SURNAMES[dice.below(SURNAMES.len() as u64) as usize];
            let married = dice.chance(0.5);
            candidates.push(Candidate {
                number: i as u64 + 1,
                name: full_name(female, married, first, surname),
                party: PARTIES[party],
            });
            candidate_weights.push(party_weights[party] * dice.uniform(0.6, 1.4));
        }
        Contest {
            candidates,
            candidate_weights,
            party_weights,
        }
    }

    pub fn parties(&self) -> &'static [&'static str] {
        &PARTIES
    }
}

/// The ballot accounting and results of one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormCount {
    pub ballots_used: u64,
    pub good: u64,
    pub bad: u64,
    pub no_vote: u64,
    pub remaining: u64,
    /// Votes per ballot number, in number order.
    pub votes: Vec<u64>,
}

/// A planted real-world error: the ballots used on one form differ from the voters
/// who came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anomaly {
    pub form_type: FormType,
    pub ballots_used: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Polling unit number (หน่วยเลือกตั้งที่).
    pub number: u32,
    pub eligible: u64,
    pub present: u64,
    pub allocated: u64,
    pub constituency: FormCount,
    pub party_list: FormCount,
    /// Whether the staff wrote the figures in Thai digits.
    pub thai_digits: bool,
    pub anomaly: Option<Anomaly>,
}

impl Unit {
    pub fn draw(seed: u64, number: u32, contest: &Contest, anomaly_rate: f64) -> Unit {
        let mut dice = Dice::new(seed, Purpose::Numbers, number);
        let eligible = if dice.chance(0.1) {
            dice.between(100, 400)
        } else {
            dice.between(400, 1040)
        };
        let present = ((eligible as f64) * dice.uniform(0.52, 0.70)).round() as u64;
        // Allocations are ordered in round twenties near the roll size, at least
        // enough for everyone who came and a little spare.
        let wanted = (eligible as f64 * dice.uniform(0.92, 1.04)).round() as u64;
        let allocated = round_up_to_20(wanted.max(present + 10));
        let thai_digits = dice.chance(0.15);

        let anomaly = dice.chance(anomaly_rate).then(|| {
            let form_type = if dice.chance(0.5) {
                FormType::Constituency
            } else {
                FormType::PartyList
            };
            let shift = dice.between(1, 3);
            let ballots_used = if dice.chance(0.5) {
                present + shift
            } else {
                present.saturating_sub(shift)
            };
            Anomaly {
                form_type,
                ballots_used,
            }
        });
        let used_for = |form_type| match anomaly {
            Some(a) if a.form_type == form_type => a.ballots_used,
            _ => present,
        };
        let constituency = FormCount::draw(
            &mut dice,
            used_for(FormType::Constituency),
            allocated,
            &contest.candidate_weights,
        );
        let party_list = FormCount::draw(
            &mut dice,
            used_for(FormType::PartyList),
            allocated,
            &contest.party_weights,
        );
        Unit {
            number,
            eligible,
            present,
            allocated,
            constituency,
            party_list,
            thai_digits,
            anomaly,
        }
    }

    pub fn count(&self, form_type: FormType) -> &FormCount {
        match form_type {
            FormType::Constituency => &self.constituency,
            FormType::PartyList => &self.party_list,
        }
    }

    /// The two reports a perfect reader returns for this unit's pages.
    pub fn reports(&self, contest: &Contest) -> Vec<Report> {
        FormType::ALL
            .iter()
            .map(|&form_type| self.report(form_type, contest))
            .collect()
    }

    fn report(&self, form_type: FormType, contest: &Contest) -> Report {
        let count = self.count(form_type);
        let vote_results = count
            .votes
            .iter()
            .enumerate()
            .map(|(i, &votes)| {
                let (candidate_name, party_name) = match form_type {
                    FormType::Constituency => {
                        let candidate = &contest.candidates[i];
                        (Some(candidate.name.clone()), candidate.party.to_string())
                    }
                    FormType::PartyList => (None, contest.parties()[i].to_string()),
                };
                VoteResult {
                    number: Count(i as u64 + 1),
                    candidate_name,
                    party_name: Some(party_name),
                    vote_count: Some(Count(votes)),
                    vote_count_text: Some(thai_words::spell(votes)),
                }
            })
            .collect();
        Report {
            form_info: FormInfo {
                form_type,
                date: Some(ELECTION_DATE.to_string()),
                province: PROVINCE.to_string(),
                district: DISTRICT.to_string(),
                sub_district: Some(SUB_DISTRICT.to_string()),
                constituency_number: Some(Count(CONSTITUENCY)),
                polling_station_number: Count(u64::from(self.number)),
            },
            voter_statistics: Some(VoterStatistics {
                eligible_voters: Some(Count(self.eligible)),
                voters_present: Some(Count(self.present)),
            }),
            ballot_statistics: BallotStatistics {
                ballots_allocated: Some(Count(self.allocated)),
                ballots_used: Some(Count(count.ballots_used)),
                good_ballots: Some(Count(count.good)),
                bad_ballots: Some(Count(count.bad)),
                no_vote_ballots: Some(Count(count.no_vote)),
                ballots_remaining: Some(Count(count.remaining)),
            },
            vote_results,
        }
    }

    /// The record metadata describing how this unit was made.
    pub fn metadata(&self) -> Value {
        let anomaly = self.anomaly.map(|a| {
            json!({
                "kind": "ballots_used_differs_from_voters_present",
                "form_type": a.form_type.as_str(),
                "ballots_used": a.ballots_used,
                "voters_present": self.present,
            })
        });
        json!({
            "polling_unit": self.number,
            "handwritten_digits": if self.thai_digits { "thai" } else { "arabic" },
            "anomaly": anomaly,
        })
    }
}

impl FormCount {
    fn draw(dice: &mut Dice, ballots_used: u64, allocated: u64, weights: &[f64]) -> FormCount {
        let bad = (ballots_used as f64 * dice.uniform(0.02, 0.06)).round() as u64;
        let no_vote = (ballots_used as f64 * dice.uniform(0.005, 0.025)).round() as u64;
        let good = ballots_used - bad - no_vote;
        let unit_weights: Vec<f64> = weights
            .iter()
            .map(|w| w * dice.uniform(0.75, 1.25))
            .collect();
        FormCount {
            ballots_used,
            good,
            bad,
            no_vote,
            remaining: allocated.saturating_sub(ballots_used),
            votes: split(good, &unit_weights),
        }
    }
}

fn round_up_to_20(n: u64) -> u64 {
    n.div_ceil(20) * 20
}

/// Splits `total` into parts proportional to `weights` that add up exactly
/// (largest remainder; ties go to the lower index, so the split is deterministic).
fn split(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let shares: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<u64> = shares.iter().map(|s| s.floor() as u64).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (shares[a] - shares[a].floor(), shares[b] - shares[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let missing = total - parts.iter().sum::<u64>();
    for &i in order.iter().cycle().take(missing as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(seed: u64, count: u32, anomaly_rate: f64) -> (Contest, Vec<Unit>) {
        let contest = Contest::draw(seed);
        let units = (1..=count)
            .map(|n| Unit::draw(seed, n, &contest, anomaly_rate))
            .collect();
        (contest, units)
    }

    fn value(count: Option<Count>) -> u64 {
        count.expect("every field is filled").get()
    }

    /// Consistency rules 1–3 and 5–7 of `forms.md` on one unit's reports; rule 4
    /// (used = present) is returned rather than asserted, as anomalies break it.
    fn check_rules(reports: &[Report]) -> bool {
        let mut used_equals_present = true;
        for report in reports {
            let b = &report.ballot_statistics;
            let v = report.voter_statistics.as_ref().unwrap();
            let (used, good) = (value(b.ballots_used), value(b.good_ballots));
            assert_eq!(
                good + value(b.bad_ballots) + value(b.no_vote_ballots),
                used,
                "rule 1"
            );
            let votes: u64 = report
                .vote_results
                .iter()
                .map(|r| value(r.vote_count))
                .sum();
            assert_eq!(votes, good, "rule 2");
            assert_eq!(
                value(b.ballots_allocated),
                used + value(b.ballots_remaining),
                "rule 3"
            );
            used_equals_present &= used == value(v.voters_present);
            assert!(
                value(v.voters_present) <= value(v.eligible_voters),
                "rule 5"
            );
            for result in &report.vote_results {
                let text = result.vote_count_text.as_deref().unwrap();
                assert_eq!(
                    thai_words::parse(text).unwrap(),
                    value(result.vote_count),
                    "rule 6: {text}"
                );
            }
        }
        let voters = |r: &Report| r.voter_statistics.clone().unwrap();
        assert_eq!(voters(&reports[0]), voters(&reports[1]), "rule 7");
        assert_eq!(
            reports[0].ballot_statistics.ballots_allocated,
            reports[1].ballot_statistics.ballots_allocated,
            "rule 7"
        );
        used_equals_present
    }

    #[test]
    fn every_unit_passes_the_consistency_rules() {
        for seed in 0..20 {
            let (contest, units) = units(seed, 30, 0.0);
            for unit in &units {
                let reports = unit.reports(&contest);
                assert_eq!(reports.len(), 2);
                assert!(check_rules(&reports), "rule 4 on unit {}", unit.number);
            }
        }
    }

    #[test]
    fn numbers_are_realistic() {
        let (contest, units) = units(7, 200, 0.0);
        let mut turnout_sum = 0.0;
        for unit in &units {
            assert!((100..=1040).contains(&unit.eligible), "{}", unit.eligible);
            assert_eq!(unit.allocated % 20, 0);
            assert!(unit.allocated >= unit.present);
            turnout_sum += unit.present as f64 / unit.eligible as f64;
            for form in [&unit.constituency, &unit.party_list] {
                let bad_share = form.bad as f64 / form.ballots_used as f64;
                assert!(
                    (0.015..=0.065).contains(&bad_share),
                    "bad share {bad_share}"
                );
            }
            assert_eq!(unit.party_list.votes.len(), 20);
            assert_eq!(unit.constituency.votes.len(), contest.candidates.len());
        }
        let turnout = turnout_sum / units.len() as f64;
        assert!((0.55..0.67).contains(&turnout), "mean turnout {turnout}");
        assert!(
            units.iter().any(|u| u.allocated < u.eligible),
            "some allocations below the roll"
        );
    }

    #[test]
    fn anomalies_break_only_used_versus_present_and_are_flagged() {
        let (contest, units) = units(3, 40, 0.5);
        let flagged: Vec<&Unit> = units.iter().filter(|u| u.anomaly.is_some()).collect();
        assert!(flagged.len() > 5 && flagged.len() < 35, "{}", flagged.len());
        for unit in &units {
            let rule_4_holds = check_rules(&unit.reports(&contest));
            assert_eq!(rule_4_holds, unit.anomaly.is_none(), "unit {}", unit.number);
            let flag = &unit.metadata()["anomaly"];
            assert_eq!(flag.is_null(), unit.anomaly.is_none());
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_units() {
        assert_eq!(units(7, 5, 0.1).1, units(7, 5, 0.1).1);
        assert_ne!(units(7, 5, 0.1).1, units(8, 5, 0.1).1);
    }

    #[test]
    fn split_adds_up_exactly() {
        assert_eq!(split(10, &[1.0, 1.0, 1.0]), [4, 3, 3]);
        assert_eq!(split(0, &[1.0, 2.0]), [0, 0]);
        assert_eq!(split(7, &[0.0, 1.0]).iter().sum::<u64>(), 7);
    }
}
