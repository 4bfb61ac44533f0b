//! Thai number words: spelling a count the way it is written on the forms, and reading
//! one back (consistency rule 6 checks that `vote_count_text` spells `vote_count`).
//!
//! Rules (`forms.md`): 10 is สิบ (not หนึ่งสิบ), 20 is ยี่สิบ, a final 1 after a higher
//! place is เอ็ด (21 ยี่สิบเอ็ด, 101 หนึ่งร้อยเอ็ด, 1,000,001 หนึ่งล้านเอ็ด), and
//! millions repeat (10^12 is หนึ่งล้านล้าน). The reader also accepts หนึ่ง for a final
//! one, a leading place without a digit (ร้อยเอ็ด), brackets, spaces and a closing ถ้วน,
//! as handwritten forms have them.

const DIGITS: [&str; 10] = [
    "ศูนย์",
    "หนึ่ง",
    "สอง",
    "สาม",
    "สี่",
    "ห้า",
    "หก",
    "เจ็ด",
    "แปด",
    "เก้า",
];
/// Places below a million, highest first, with their values.
const PLACES: [(&str, u64); 5] = [
    ("แสน", 100_000),
    ("หมื่น", 10_000),
    ("พัน", 1_000),
    ("ร้อย", 100),
    ("สิบ", 10),
];
const MILLION: &str = "ล้าน";
/// The closing word of an amount written out ("… ถ้วน", "exactly").
const EXACTLY: &str = "ถ้วน";

/// Every word a written amount is made of: digits, ยี่, เอ็ด, places, ล้าน and ถ้วน.
/// What `parse` reads; OCR readers match scanned text against it.
pub fn words() -> impl Iterator<Item = &'static str> {
    DIGITS
        .into_iter()
        .chain(["ยี่", "เอ็ด"])
        .chain(PLACES.map(|(word, _)| word))
        .chain([MILLION, EXACTLY])
}

/// Spells `n` in Thai words.
pub fn spell(n: u64) -> String {
    if n == 0 {
        return DIGITS[0].to_string();
    }
    let mut out = String::new();
    spell_into(n, &mut out);
    out
}

fn spell_into(n: u64, out: &mut String) {
    let millions = n / 1_000_000;
    let rest = n % 1_000_000;
    if millions > 0 {
        spell_into(millions, out);
        out.push_str(MILLION);
    }
    let mut remaining = rest;
    for (word, value) in PLACES {
        let digit = remaining / value;
        remaining %= value;
        match (value, digit) {
            (_, 0) => {}
            (10, 1) => out.push_str(word),
            (10, 2) => {
                out.push_str("ยี่");
                out.push_str(word);
            }
            _ => {
                out.push_str(DIGITS[digit as usize]);
                out.push_str(word);
            }
        }
    }
    match remaining {
        0 => {}
        // A final one after any higher place of the whole number is เอ็ด.
        1 if n > 1 => out.push_str("เอ็ด"),
        d => out.push_str(DIGITS[d as usize]),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThaiWordsError {
    #[error("empty number words")]
    Empty,
    #[error("\"{text}\": unexpected \"{rest}\"")]
    Unexpected { text: String, rest: String },
    #[error("\"{text}\": {reason}")]
    Malformed { text: String, reason: &'static str },
    #[error("\"{text}\" is too large")]
    TooLarge { text: String },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    Digit(u64),
    /// ยี่: the two of ยี่สิบ only.
    Yi,
    /// เอ็ด: a final one after a higher place.
    Et,
    Place(u64),
    Million,
}

fn tokenize(text: &str, original: &str) -> Result<Vec<Token>, ThaiWordsError> {
    let mut vocabulary: Vec<(&str, Token)> = vec![("ยี่", Token::Yi), ("เอ็ด", Token::Et)];
    vocabulary.extend(
        DIGITS
            .iter()
            .enumerate()
            .map(|(d, w)| (*w, Token::Digit(d as u64))),
    );
    vocabulary.extend(PLACES.iter().map(|(w, v)| (*w, Token::Place(*v))));
    vocabulary.push((MILLION, Token::Million));
    let mut tokens = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (word, token) = vocabulary
            .iter()
            .filter(|(word, _)| rest.starts_with(word))
            .max_by_key(|(word, _)| word.len())
            .ok_or_else(|| ThaiWordsError::Unexpected {
                text: original.to_string(),
                rest: rest.to_string(),
            })?;
        tokens.push(*token);
        rest = &rest[word.len()..];
    }
    Ok(tokens)
}

/// Reads Thai number words back into a number.
pub fn parse(text: &str) -> Result<u64, ThaiWordsError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '[' | ']' | '-'))
        .collect();
    let cleaned = cleaned.strip_suffix(EXACTLY).unwrap_or(&cleaned);
    if cleaned.is_empty() {
        return Err(ThaiWordsError::Empty);
    }
    let malformed = |reason| ThaiWordsError::Malformed {
        text: text.to_string(),
        reason,
    };
    let too_large = || ThaiWordsError::TooLarge {
        text: text.to_string(),
    };
    let tokens = tokenize(cleaned, text)?;
    if tokens == [Token::Digit(0)] {
        return Ok(0);
    }

    let mut total: u64 = 0; // everything before the last ล้าน, already scaled
    let mut group: u64 = 0; // the current group below a million
    let mut pending: Option<u64> = None; // a digit waiting for its place
    let mut last_place: u64 = u64::MAX; // places within a group must descend
    let mut group_has_place = false;
    let mut ended = false; // after a final digit/เอ็ด only ล้าน may follow
    for (i, token) in tokens.iter().enumerate() {
        if ended && *token != Token::Million {
            return Err(malformed("nothing may follow the units digit but ล้าน"));
        }
        match *token {
            Token::Digit(0) => return Err(malformed("ศูนย์ only stands alone")),
            Token::Digit(d) => {
                if pending.is_some() {
                    return Err(malformed("two digits in a row"));
                }
                pending = Some(d);
                if !matches!(tokens.get(i + 1), Some(Token::Place(_))) {
                    ended = true;
                }
            }
            Token::Yi => {
                if pending.is_some() || tokens.get(i + 1) != Some(&Token::Place(10)) {
                    return Err(malformed("ยี่ must be followed by สิบ"));
                }
                pending = Some(2);
            }
            Token::Et => {
                if pending.is_some() || !group_has_place && total == 0 {
                    return Err(malformed("เอ็ด must follow a higher place"));
                }
                pending = Some(1);
                ended = true;
            }
            Token::Place(value) => {
                if value >= last_place {
                    return Err(malformed("places must go from high to low"));
                }
                if value == 10 && pending == Some(1) {
                    return Err(malformed("ten is สิบ, not หนึ่งสิบ"));
                }
                if value == 10
                    && pending == Some(2)
                    && tokens.get(i.wrapping_sub(1)) != Some(&Token::Yi)
                {
                    return Err(malformed("twenty is ยี่สิบ, not สองสิบ"));
                }
                group += pending.take().unwrap_or(1) * value;
                last_place = value;
                group_has_place = true;
            }
            Token::Million => {
                let value = group + pending.take().unwrap_or(0);
                if value == 0 && total == 0 {
                    return Err(malformed("ล้าน needs a number before it"));
                }
                total = total
                    .checked_add(value)
                    .and_then(|t| t.checked_mul(1_000_000))
                    .ok_or_else(too_large)?;
                group = 0;
                last_place = u64::MAX;
                group_has_place = false;
                ended = false;
            }
        }
    }
    total
        .checked_add(group + pending.unwrap_or(0))
        .ok_or_else(too_large)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irregular_forms_by_hand() {
        let cases: &[(u64, &str)] = &[
            (0, "ศูนย์"),
            (1, "หนึ่ง"),
            (10, "สิบ"),
            (11, "สิบเอ็ด"),
            (12, "สิบสอง"),
            (20, "ยี่สิบ"),
            (21, "ยี่สิบเอ็ด"),
            (31, "สามสิบเอ็ด"),
            (100, "หนึ่งร้อย"),
            (101, "หนึ่งร้อยเอ็ด"),
            (110, "หนึ่งร้อยสิบ"),
            (111, "หนึ่งร้อยสิบเอ็ด"),
            (123, "หนึ่งร้อยยี่สิบสาม"),
            (1_001, "หนึ่งพันเอ็ด"),
            (1_020, "หนึ่งพันยี่สิบ"),
            (10_000, "หนึ่งหมื่น"),
            (100_000, "หนึ่งแสน"),
            (1_000_000, "หนึ่งล้าน"),
            (1_000_001, "หนึ่งล้านเอ็ด"),
            (11_000_000, "สิบเอ็ดล้าน"),
            (21_000_021, "ยี่สิบเอ็ดล้านยี่สิบเอ็ด"),
            (1_000_000_000_000, "หนึ่งล้านล้าน"),
        ];
        for (n, words) in cases {
            assert_eq!(spell(*n), *words, "spell({n})");
            assert_eq!(parse(words), Ok(*n), "parse({words})");
        }
    }

    #[test]
    fn reads_handwritten_variants() {
        assert_eq!(parse("หนึ่งร้อยหนึ่ง"), Ok(101));
        assert_eq!(parse("(สี่ร้อยเจ็ดสิบ)"), Ok(470));
        assert_eq!(parse("สี่ร้อย เจ็ดสิบ ถ้วน"), Ok(470));
        assert_eq!(parse("ร้อยเอ็ด"), Ok(101));
    }

    #[test]
    fn rejects_malformed_words_with_a_reason() {
        for bad in [
            "",
            "หนึ่งสิบ",
            "สองสิบ",
            "ยี่",
            "ยี่ร้อย",
            "สิบร้อย",
            "เอ็ด",
            "สองสาม",
            "ห้าเอ็ด",
            "abc",
            "ศูนย์ศูนย์",
            "หนึ่งร้อยเอ็ดสิบ",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            parse("สองสิบ").unwrap_err().to_string(),
            "\"สองสิบ\": twenty is ยี่สิบ, not สองสิบ"
        );
        assert_eq!(
            parse("ห้าx").unwrap_err().to_string(),
            "\"ห้าx\": unexpected \"x\""
        );
    }

    #[test]
    fn every_number_up_to_a_million_round_trips() {
        for n in 0..=1_000_000u64 {
            let words = spell(n);
            assert_eq!(parse(&words), Ok(n), "{n} spelled {words}");
        }
    }
}
