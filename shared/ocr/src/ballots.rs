//! Sections 1 and 2: the eight labelled number rows (two voter counts, six ballot
//! counts), each read as digits and as Thai words.

use super::labels::{Chars, distance};
use super::numbers::{Readings, digit_value};
use super::tsv::Line;

/// The labelled rows in form order; the label is the part of the printed text that
/// tells the rows apart.
pub const FIELDS: [(Field, &str); 8] = [
    (Field::Eligible, "ตามบัญชีรายชื่อ"),
    (Field::Present, "ที่มาแสดงตน"),
    (Field::Allocated, "ที่ได้รับจัดสรร"),
    (Field::Used, "บัตรเลือกตั้งที่ใช้"),
    (Field::Good, "บัตรดี"),
    (Field::Bad, "บัตรเสีย"),
    (Field::NoVote, "บัตรไม่เลือก"),
    (Field::Remaining, "บัตรเลือกตั้งที่เหลือ"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Eligible,
    Present,
    Allocated,
    Used,
    Good,
    Bad,
    NoVote,
    Remaining,
}

impl Field {
    /// Its path in a report, for the record of which reading decided it.
    pub fn path(self) -> &'static str {
        match self {
            Field::Eligible => "voter_statistics.eligible_voters",
            Field::Present => "voter_statistics.voters_present",
            Field::Allocated => "ballot_statistics.ballots_allocated",
            Field::Used => "ballot_statistics.ballots_used",
            Field::Good => "ballot_statistics.good_ballots",
            Field::Bad => "ballot_statistics.bad_ballots",
            Field::NoVote => "ballot_statistics.no_vote_ballots",
            Field::Remaining => "ballot_statistics.ballots_remaining",
        }
    }
}

/// The readings of the eight rows, in `FIELDS` order (empty when a row was not found).
/// Each line goes to the label it matches best, so one row is never read twice.
pub fn read(lines: &[Line]) -> [Readings; 8] {
    let mut best: [Option<(f64, Readings)>; 8] = [None; 8];
    for line in lines {
        let chars = Chars::of(line);
        let Some((index, found)) = FIELDS
            .iter()
            .enumerate()
            .filter_map(|(i, (_, label))| chars.find(label).map(|f| (i, f)))
            .min_by(|a, b| distance(&a.1, FIELDS[a.0].1).total_cmp(&distance(&b.1, FIELDS[b.0].1)))
        else {
            continue;
        };
        let score = distance(&found, FIELDS[index].1);
        if best[index].is_none_or(|(s, _)| score < s) {
            best[index] = Some((score, value(&chars, found.end)));
        }
    }
    best.map(|b| b.map(|(_, readings)| readings).unwrap_or_default())
}

/// "… ๓๘๒ บัตร ( สามร้อยแปดสิบสอง )": digits before the bracket, words inside it.
fn value(line: &Chars, from: usize) -> Readings {
    let rest = line.slice(from, line.0.len());
    let (number, words) = rest.split_once('(').unwrap_or((rest.as_str(), ""));
    let words = words.split(')').next().unwrap_or_default();
    Readings::read(&digit_token(number), words)
}

/// The first token with a digit; a token mixing digits with Thai letters is a misread
/// (a digit taken for a letter), so it gives no reading rather than a wrong one.
pub fn digit_token(text: &str) -> String {
    text.split_whitespace()
        .find(|token| token.chars().any(|c| digit_value(c).is_some()))
        .filter(|token| !token.chars().any(is_thai_letter))
        .unwrap_or_default()
        .to_string()
}

fn is_thai_letter(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c)
}
