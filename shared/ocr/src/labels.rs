//! Printed labels located in OCR lines, and the text that follows them.

use super::fuzzy::{self, Found};
use super::tsv::Line;

/// A line as chars, for label search and slicing.
pub struct Chars(pub Vec<char>);

impl Chars {
    pub fn of(line: &Line) -> Chars {
        Chars(line.text.chars().collect())
    }

    pub fn find(&self, label: &str) -> Option<Found> {
        fuzzy::find(&self.0, label)
    }

    /// The text from `start` up to `end` (chars), trimmed.
    pub fn slice(&self, start: usize, end: usize) -> String {
        let end = end.min(self.0.len());
        let start = start.min(end);
        self.0[start..end]
            .iter()
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// The text after `label` up to the next of `until` found after it (or the end).
    pub fn after(&self, label: &str, until: &[&str]) -> Option<String> {
        let found = self.find(label)?;
        let rest = Chars(self.0[found.end..].to_vec());
        let end = until
            .iter()
            .filter_map(|next| rest.find(next))
            .map(|f| f.start)
            .min()
            .unwrap_or(rest.0.len());
        Some(rest.slice(0, end))
    }
}

/// Share of a label's characters edited in its match: lower is a surer match.
pub fn distance(found: &Found, label: &str) -> f64 {
    found.edits as f64 / label.chars().count().max(1) as f64
}

/// The line of `lines` where `label` matches best, with the text after it.
pub fn best_line<'a>(lines: &'a [Line], label: &str) -> Option<(&'a Line, Found)> {
    lines
        .iter()
        .filter_map(|line| Chars::of(line).find(label).map(|found| (line, found)))
        .min_by_key(|(_, found)| found.edits)
}
