//! A number as the form writes it — digits and Thai words — read both ways, and the
//! record of which reading was kept.

use tally_core::thai_words;

/// Which reading decided a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Digits and words agree.
    Agree,
    /// Only the digits were readable.
    Digits,
    /// Only the words were readable.
    Words,
    /// They disagree; the digits satisfy the form's arithmetic.
    ArithmeticDigits,
    /// They disagree; the words satisfy the form's arithmetic.
    ArithmeticWords,
    /// They disagree and the arithmetic does not tell: the words are kept, as
    /// Tesseract reads handwritten Thai words far more reliably than handwritten digits.
    WordsPreferred,
    /// Neither was readable; the value follows from the other fields' arithmetic.
    Derived,
}

impl Source {
    /// Its stable name in stored results.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Agree => "agree",
            Source::Digits => "digits",
            Source::Words => "words",
            Source::ArithmeticDigits => "arithmetic_digits",
            Source::ArithmeticWords => "arithmetic_words",
            Source::WordsPreferred => "words_preferred",
            Source::Derived => "derived",
        }
    }
}

/// The two readings of one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readings {
    pub digits: Option<u64>,
    pub words: Option<u64>,
}

impl Readings {
    pub fn read(digits: &str, words: &str) -> Readings {
        Readings {
            digits: read_digits(digits),
            words: read_words(words),
        }
    }

    /// The value when the readings alone decide it (they agree, or only one exists).
    pub fn settled(self) -> Option<(u64, Source)> {
        match (self.digits, self.words) {
            (Some(d), Some(w)) if d == w => Some((d, Source::Agree)),
            (Some(d), None) => Some((d, Source::Digits)),
            (None, Some(w)) => Some((w, Source::Words)),
            _ => None,
        }
    }

    /// Settles a disagreement: `holds(value)` says whether a value satisfies the
    /// arithmetic; when exactly one reading does, it wins.
    pub fn decide(self, holds: impl Fn(u64) -> bool) -> Option<(u64, Source)> {
        if let Some(settled) = self.settled() {
            return Some(settled);
        }
        let (digits, words) = (self.digits?, self.words?);
        Some(match (holds(digits), holds(words)) {
            (true, false) => (digits, Source::ArithmeticDigits),
            (false, true) => (words, Source::ArithmeticWords),
            _ => (words, Source::WordsPreferred),
        })
    }
}

/// Thai (๐–๙) and Arabic digits of `text`, other characters ignored; `None` without
/// any digit or when the digits are too many to be a count.
pub fn read_digits(text: &str) -> Option<u64> {
    let digits: Vec<u64> = text.chars().filter_map(digit_value).collect();
    if digits.is_empty() || digits.len() > 7 {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + d))
}

pub fn digit_value(c: char) -> Option<u64> {
    match c {
        '๐'..='๙' => Some(u64::from(c as u32 - '๐' as u32)),
        '0'..='9' => Some(u64::from(c as u32 - '0' as u32)),
        _ => None,
    }
}

/// Spellings Tesseract gives number words (a tone mark lost or taken for another, a
/// letter taken for its look-alike), with the word meant; the exact words come first.
const MISREADS: [(&str, &str); 13] = [
    ("ร่อย", "ร้อย"),
    ("รอย", "ร้อย"),
    ("หำ", "ห้า"),
    ("หา", "ห้า"),
    ("ยี", "ยี่"),
    ("สี", "สี่"),
    ("ลิบ", "สิบ"),
    ("สิป", "สิบ"),
    ("ลิป", "สิบ"),
    ("เจ็ค", "เจ็ด"),
    ("แปล", "แปด"),
    ("หนิง", "หนึ่ง"),
    ("เอ็ค", "เอ็ด"),
];
/// More stray characters than this between words and the reading is given up on.
const MAX_SKIPPED: usize = 2;

/// The Thai number words of `text`. Tolerant of what a scan does to them: anything
/// that is not a Thai letter is dropped, known misreadings are taken for the word
/// they resemble, and up to `MAX_SKIPPED` stray letters between words are skipped.
pub fn read_words(text: &str) -> Option<u64> {
    let letters: Vec<char> = thai_letters(text).chars().collect();
    if letters.is_empty() {
        return None;
    }
    let mut words = String::new();
    let (mut at, mut skipped) = (0, 0);
    while at < letters.len() {
        let rest: String = letters[at..].iter().collect();
        let exact = thai_words::words()
            .filter(|w| rest.starts_with(w))
            .map(|w| (w, w));
        let misread = MISREADS
            .iter()
            .filter(|(m, _)| rest.starts_with(m))
            .copied();
        // The longest match wins; an exact word beats a misreading of the same length.
        match exact
            .chain(misread)
            .max_by_key(|(seen, _)| seen.chars().count())
        {
            Some((seen, meant)) => {
                words.push_str(meant);
                at += seen.chars().count();
            }
            None => {
                skipped += 1;
                at += 1;
            }
        }
    }
    if skipped > MAX_SKIPPED || words.is_empty() {
        return None;
    }
    thai_words::parse(&words).ok()
}

/// The Thai letters and marks of `text` (digits excluded), in order.
pub fn thai_letters(text: &str) -> String {
    text.chars()
        .filter(|c| ('\u{0E01}'..='\u{0E4E}').contains(c) && digit_value(*c).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_read_in_both_scripts() {
        assert_eq!(read_digits("๗๐๔"), Some(704));
        assert_eq!(read_digits(" 3๘2 คน"), Some(382));
        assert_eq!(read_digits("ฆซ"), None);
    }

    #[test]
    fn words_are_read_through_brackets_and_stray_marks() {
        assert_eq!(read_words("( เจ็ดร้อยสี่ )"), Some(704));
        assert_eq!(read_words("|สิบสี่"), Some(14));
        assert_eq!(read_words("สามร่อยหกสิบขหำ"), Some(365));
        assert_eq!(read_words("ยีสิบเจ็ด"), Some(27));
        assert_eq!(read_words("ฒไว"), None);
    }

    #[test]
    fn agreeing_readings_win_and_the_arithmetic_settles_a_disagreement() {
        let agree = Readings::read("๓๘๒", "สามร้อยแปดสิบสอง");
        assert_eq!(agree.decide(|_| false), Some((382, Source::Agree)));
        let misread = Readings::read("๓๕๒", "สามร้อยแปดสิบสอง");
        assert_eq!(
            misread.decide(|v| v == 352),
            Some((352, Source::ArithmeticDigits))
        );
        assert_eq!(
            misread.decide(|v| v == 382),
            Some((382, Source::ArithmeticWords))
        );
        assert_eq!(
            misread.decide(|_| true),
            Some((382, Source::WordsPreferred))
        );
        assert_eq!(
            Readings::read("", "หก").decide(|_| false),
            Some((6, Source::Words))
        );
        assert_eq!(Readings::read("", "").decide(|_| true), None);
    }
}
