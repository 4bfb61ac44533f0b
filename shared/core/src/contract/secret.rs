//! `Secret`: a credential that can be used but never shown.
//!
//! The text lives in a `secrecy::SecretString`, which zeroes its memory when dropped
//! and offers no way to the text but `expose_secret`. `Secret` prints as
//! `[redacted]` in `Debug` and `Display`, and deliberately does not implement
//! `Serialize`: a struct holding one cannot be written to Redis, a response or a log
//! line unless the field is explicitly skipped. Comparisons go through `subtle`, so
//! their timing does not reveal how many leading bytes matched.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use subtle::ConstantTimeEq;

const REDACTED: &str = "[redacted]";

#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The secret text, for the one place that must send it (an HTTP header).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Compares a presented credential with this one in constant time (for a given
    /// length), so response timing does not reveal how many leading bytes matched.
    pub fn matches(&self, candidate: &str) -> bool {
        constant_time_eq(self.expose().as_bytes(), candidate.as_bytes())
    }
}

/// Equality whose running time depends only on the lengths, not on where the inputs
/// differ (`subtle`). Lengths are not secret here (keys of one kind share a length).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other.expose())
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::new("dd-key-123");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some([redacted])");
        assert_eq!(secret.expose(), "dd-key-123");
    }

    #[test]
    fn deserializes_from_a_string() {
        let secret: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(secret.expose(), "abc");
    }

    #[test]
    fn matches_only_the_same_text() {
        let secret = Secret::new("abcdef");
        assert!(secret.matches("abcdef"));
        assert!(!secret.matches("abcdeg"));
        assert!(!secret.matches("abcde"));
        assert!(!secret.matches(""));
        assert_eq!(secret, Secret::new("abcdef"));
        assert_ne!(secret, Secret::new("xbcdef"));
    }

    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"key", b"key"));
        assert!(!constant_time_eq(b"key", b"kez"));
        assert!(!constant_time_eq(b"key", b"keys"));
    }
}
