//! `Count`: a non-negative integer as models actually write it.
//!
//! Models answer `1234`, `"1234"`, `"1,234"`, `"๑๒๓๔"`, `1234.0` or `" 1 234 "`; all of
//! them are the same count. Anything else (negative, fractional, words) is an error
//! that names the offending value, so a wrong answer is never silently a zero.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Count(pub u64);

impl Count {
    pub fn get(self) -> u64 {
        self.0
    }

    /// Parses a count written with Arabic or Thai digits, optionally with thousands
    /// separators (`,` or spaces) and surrounding whitespace.
    pub fn parse_text(text: &str) -> Result<Count, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("empty string is not a count".to_string());
        }
        let mut value: u64 = 0;
        let mut digits = 0usize;
        for ch in trimmed.chars() {
            let digit = match ch {
                '0'..='9' => ch as u64 - '0' as u64,
                '๐'..='๙' => ch as u64 - '๐' as u64,
                ',' | ' ' | '\u{a0}' | '_' => continue,
                _ => return Err(format!("\"{trimmed}\" is not a count")),
            };
            digits += 1;
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(digit))
                .ok_or_else(|| format!("\"{trimmed}\" is too large"))?;
        }
        if digits == 0 {
            return Err(format!("\"{trimmed}\" is not a count"));
        }
        Ok(Count(value))
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u64> for Count {
    fn from(value: u64) -> Self {
        Count(value)
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CountVisitor)
    }
}

struct CountVisitor;

impl de::Visitor<'_> for CountVisitor {
    type Value = Count;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a non-negative whole number (digits, Thai digits or a numeric string)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
        Ok(Count(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
        u64::try_from(v)
            .map(Count)
            .map_err(|_| E::custom(format!("{v} is negative, a count cannot be")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
        // 2^53: above it f64 no longer represents every integer exactly.
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_992.0 {
            Ok(Count(v as u64))
        } else {
            Err(E::custom(format!("{v} is not a whole non-negative number")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
        Count::parse_text(v).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Count, String> {
        serde_json::from_str::<Count>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_the_ways_models_write_numbers() {
        assert_eq!(parse("1234"), Ok(Count(1234)));
        assert_eq!(parse("\"1234\""), Ok(Count(1234)));
        assert_eq!(parse("\"1,234\""), Ok(Count(1234)));
        assert_eq!(parse("\" 1 234 \""), Ok(Count(1234)));
        assert_eq!(parse("\"๑๒๓๔\""), Ok(Count(1234)));
        assert_eq!(parse("\"๑,๐๒๐\""), Ok(Count(1020)));
        assert_eq!(parse("1234.0"), Ok(Count(1234)));
    }

    #[test]
    fn rejects_what_is_not_a_count_and_names_it() {
        assert!(parse("-3").unwrap_err().contains("-3 is negative"));
        assert!(parse("2.5").unwrap_err().contains("2.5 is not a whole"));
        assert!(
            parse("\"twelve\"")
                .unwrap_err()
                .contains("\"twelve\" is not a count")
        );
        assert!(parse("\"\"").unwrap_err().contains("empty string"));
        assert!(parse("\",\"").unwrap_err().contains("is not a count"));
        assert!(
            parse("\"99999999999999999999999\"")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse("true").is_err());
    }
}
