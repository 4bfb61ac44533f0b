//! The form's arithmetic (consistency rules 1–4 of `forms.md`) as the tie-breaker of
//! readings that disagree, and as the source of a value neither reading gave.

use super::numbers::{Readings, Source};

/// The eight labelled fields plus the sum of the table's votes.
const SLOTS: usize = 9;
const VOTE_SUM: usize = 8;

/// Each relation: coefficients over the slots that sum to zero when it holds.
const RELATIONS: [&[(usize, i64)]; 4] = [
    // good + bad + no_vote = used
    &[(4, 1), (5, 1), (6, 1), (3, -1)],
    // allocated = used + remaining
    &[(2, -1), (3, 1), (7, 1)],
    // used = present
    &[(3, 1), (1, -1)],
    // sum of votes = good
    &[(VOTE_SUM, 1), (4, -1)],
];

/// Decides the eight fields (in `ballots::FIELDS` order) from their readings and the
/// table's vote sum (when every row has a value).
pub fn decide_fields(
    readings: &[Readings; 8],
    vote_sum: Option<u64>,
) -> [Option<(u64, Source)>; 8] {
    let mut decided: [Option<(u64, Source)>; 8] = readings.map(Readings::settled);
    // Disagreements: each decided against the others' settled values; twice, so a
    // decision can help the next one.
    for _ in 0..2 {
        for slot in 0..8 {
            if decided[slot].is_some() {
                continue;
            }
            let values = slots(&decided, vote_sum);
            decided[slot] = readings[slot]
                .decide(|value| holds_with(&values, slot, value))
                .filter(|(_, source)| *source != Source::WordsPreferred);
        }
    }
    for slot in 0..8 {
        if decided[slot].is_none() {
            let values = slots(&decided, vote_sum);
            decided[slot] = readings[slot]
                .decide(|value| holds_with(&values, slot, value))
                .or_else(|| derive(&values, slot).map(|v| (v, Source::Derived)));
        }
    }
    decided
}

/// Decides the table's vote counts: a row whose readings disagree takes the reading
/// that makes the votes add up to the good ballots, when it is the only such row.
pub fn decide_votes(rows: &[Readings], good: Option<u64>) -> Vec<Option<(u64, Source)>> {
    // No row can have more votes than there were good ballots.
    let possible = |value: Option<u64>| value.filter(|v| good.is_none_or(|g| *v <= g));
    let rows: Vec<Readings> = rows
        .iter()
        .map(|r| Readings {
            digits: possible(r.digits),
            words: possible(r.words),
        })
        .collect();
    let settled: Vec<Option<(u64, Source)>> = rows.iter().map(|r| r.settled()).collect();
    let open: Vec<usize> = (0..rows.len())
        .filter(|&i| settled[i].is_none() && rows[i].digits.is_some())
        .collect();
    let known: u64 = settled.iter().flatten().map(|(v, _)| v).sum();
    let all_known = settled
        .iter()
        .enumerate()
        .all(|(i, s)| s.is_some() || open.contains(&i));
    let mut decided: Vec<Option<(u64, Source)>> = settled
        .iter()
        .enumerate()
        .map(|(i, decided)| {
            decided.or_else(|| {
                let single = open.len() == 1 && all_known;
                rows[i].decide(|value| single && good == Some(known + value))
            })
        })
        .collect();
    // One row read neither way: the good ballots minus the other rows.
    let missing: Vec<usize> = (0..decided.len())
        .filter(|&i| decided[i].is_none())
        .collect();
    if let ([row], Some(good)) = (missing.as_slice(), good) {
        let others: u64 = decided.iter().flatten().map(|(v, _)| v).sum();
        decided[*row] = good.checked_sub(others).map(|v| (v, Source::Derived));
    }
    decided
}

fn slots(decided: &[Option<(u64, Source)>; 8], vote_sum: Option<u64>) -> [Option<i64>; SLOTS] {
    let mut values = [None; SLOTS];
    for (slot, value) in decided.iter().enumerate() {
        values[slot] = value.map(|(v, _)| v as i64);
    }
    values[VOTE_SUM] = vote_sum.map(|v| v as i64);
    values
}

/// Whether some relation with `slot` in it is fully known and holds with `value`.
fn holds_with(values: &[Option<i64>; SLOTS], slot: usize, value: u64) -> bool {
    let mut values = *values;
    values[slot] = Some(value as i64);
    RELATIONS
        .iter()
        .filter(|relation| relation.iter().any(|(s, _)| *s == slot))
        .any(|relation| {
            relation
                .iter()
                .map(|(s, c)| values[*s].map(|v| v * c))
                .sum::<Option<i64>>()
                == Some(0)
        })
}

/// The value of `slot` that some relation fixes, all its other slots being known.
fn derive(values: &[Option<i64>; SLOTS], slot: usize) -> Option<u64> {
    RELATIONS.iter().find_map(|relation| {
        let (_, coefficient) = relation.iter().find(|(s, _)| *s == slot)?;
        let others: Option<i64> = relation
            .iter()
            .filter(|(s, _)| *s != slot)
            .map(|(s, c)| values[*s].map(|v| v * c))
            .sum();
        let value = -others? / coefficient;
        u64::try_from(value).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreed(value: u64) -> Readings {
        Readings {
            digits: Some(value),
            words: Some(value),
        }
    }

    #[test]
    fn a_misread_digit_is_outvoted_by_the_arithmetic() {
        // ballots used: digits read 352, words 382; good + bad + no_vote = 382.
        let mut readings = [660, 382, 660, 382, 365, 12, 5, 278].map(agreed);
        readings[3] = Readings {
            digits: Some(352),
            words: Some(382),
        };
        // good: digits 315 and unreadable words.
        readings[4] = Readings {
            digits: Some(315),
            words: None,
        };
        readings[0] = Readings::default();
        let decided = decide_fields(&readings, Some(365));
        assert_eq!(decided[3], Some((382, Source::ArithmeticWords)));
        assert_eq!(decided[4], Some((315, Source::Digits)));
        assert_eq!(decided[0], None, "eligible voters follow from no relation");
    }

    #[test]
    fn a_missing_field_is_derived_and_one_open_vote_row_is_settled_by_the_sum() {
        let mut readings = [704, 382, 660, 382, 365, 12, 5, 278].map(agreed);
        readings[7] = Readings::default();
        let decided = decide_fields(&readings, None);
        assert_eq!(decided[7], Some((278, Source::Derived)));

        let rows = [
            agreed(300),
            Readings {
                digits: Some(65),
                words: Some(55),
            },
        ];
        let votes = decide_votes(&rows, Some(365));
        assert_eq!(votes[1], Some((65, Source::ArithmeticDigits)));
        let votes = decide_votes(&[agreed(300), Readings::default()], Some(365));
        assert_eq!(votes[1], Some((65, Source::Derived)));
    }
}
