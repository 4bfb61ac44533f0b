//! Section 3: the results table, one row per candidate (number, name, party, votes
//! as digits and as words) or per party (number, party, votes).

use super::ballots::digit_token;
use super::labels::Chars;
use super::numbers::{Readings, read_digits, thai_letters};
use super::tsv::Line;

/// One row as read, before its vote count is decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its number in the table, counted from the rows' positions (see `number_rows`).
    pub number: u64,
    pub name: Option<String>,
    pub party: Option<String>,
    pub votes: Readings,
    /// The words as written (cleaned of table rules and brackets).
    pub words: Option<String>,
}

/// Every party name starts with this.
const PARTY: &str = "พรรค";

/// The rows of the table on a form's pages (section 3 on the first page, the
/// continuation pages after it), numbered.
pub fn read(pages: &[&[Line]]) -> Vec<Row> {
    let mut rows = Vec::new();
    for (index, lines) in pages.iter().enumerate() {
        let start = lines
            .iter()
            .position(|line| {
                Chars::of(line)
                    .find("จำนวนคะแนน")
                    .is_some_and(|f| f.edits <= 2)
            })
            .map(|i| i + 1)
            .unwrap_or(if index == 0 { lines.len() } else { 0 });
        let page_rows: Vec<(i64, Row)> = lines[start..]
            .iter()
            .take_while(|line| Chars::of(line).find("ลงชื่อ").is_none_or(|f| f.edits > 0))
            .filter_map(|line| row(line).map(|r| (line.bottom(), r)))
            .collect();
        number_rows(&mut rows, page_rows);
    }
    rows
}

/// The rows are numbered 1, 2, 3 … down the table; the printed numbers are small
/// Thai digits Tesseract often misreads (๔ as ๕), so a row's number is counted from
/// the row above: one more, or more where the gap shows rows that were not read.
fn number_rows(rows: &mut Vec<Row>, page_rows: Vec<(i64, Row)>) {
    let mut gaps: Vec<i64> = page_rows
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .filter(|g| *g > 0)
        .collect();
    gaps.sort_unstable();
    let spacing = gaps.get(gaps.len() / 2).copied().unwrap_or(0);
    let mut previous_top = None;
    for (top, mut row) in page_rows {
        let step = match previous_top {
            // A missed row makes a gap of two spacings; marks above and below the
            // letters make spacings uneven, hence the margin.
            Some(above) if spacing > 0 => ((top - above) as f64 / spacing as f64 + 0.3)
                .floor()
                .max(1.0) as u64,
            _ => 1,
        };
        row.number = rows.last().map_or(1, |last| last.number + step);
        previous_top = Some(top);
        rows.push(row);
    }
}

/// Finds the token of the party name and rewrites it to start at พรรค: Tesseract
/// glues specks of the table rule to it ("ทพรรค…"), misreads a letter ("พจรรค…") or
/// splits it ("พ รรค…", "พรรค เสียงประชา").
fn party_token(tokens: &mut Vec<String>) -> Option<usize> {
    for at in 0..tokens.len() {
        if at + 1 < tokens.len() && (tokens[at].ends_with('พ') || tokens[at] == PARTY) {
            let joined = format!("{}{}", tokens[at], tokens[at + 1]);
            if party_start(&joined).is_some() {
                tokens[at] = joined;
                tokens.remove(at + 1);
            }
        }
        if let Some(start) = party_start(&tokens[at]) {
            let chars: Vec<char> = tokens[at].chars().collect();
            tokens[at] = format!("{PARTY}{}", chars[start..].iter().collect::<String>());
            return Some(at);
        }
    }
    None
}

/// Where the name proper starts after "พรรค" (or a one-letter misreading of it) near
/// the token's start.
fn party_start(token: &str) -> Option<usize> {
    let chars: Vec<char> = token.chars().collect();
    let found = super::fuzzy::find(&chars, PARTY)?;
    (found.start <= 2 && chars.len() > found.end).then_some(found.end)
}

fn row(line: &Line) -> Option<Row> {
    // Table rules come out as | [ ] and the like.
    let cleaned: String = line
        .text
        .chars()
        .map(|c| {
            if c.is_ascii_punctuation() || c == '“' || c == '”' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut tokens: Vec<String> = cleaned.split_whitespace().map(str::to_string).collect();
    let party_at = party_token(&mut tokens)?;
    // The printed row number comes first when it was read.
    let name_from = usize::from(tokens.first().is_some_and(|t| read_digits(t).is_some()));
    let name = (party_at > name_from).then(|| tokens[name_from..party_at].join(" "));
    let rest = &tokens[party_at + 1..];
    let digits = digit_token(&rest.join(" "));
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let words: String = rest
        .iter()
        .filter(|t| !thai_letters(t).is_empty())
        .map(|t| thai_letters(t))
        .collect();
    Some(Row {
        number: 0,
        name,
        party: Some(thai_letters(&tokens[party_at])),
        votes: Readings::read(&digits, &words),
        words: (!words.is_empty()).then_some(words),
    })
}
