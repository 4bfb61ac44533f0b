//! `Namespace`: the prefix of every Redis key tally writes (`TALLY_NAMESPACE`).
//!
//! Several deployments or test runs share one Redis without touching each other's
//! keys by using different namespaces. Keys are `<namespace>:…`, so one namespace
//! should not be another followed by `:` (`tally` and `tally:x` would overlap).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace(String);

pub const DEFAULT_NAMESPACE: &str = "tally";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid namespace {namespace:?}: {reason}")]
pub struct InvalidNamespace {
    pub namespace: String,
    pub reason: &'static str,
}

impl Namespace {
    /// Accepts 1–100 ASCII letters, digits and `- _ . :` (`test:import:1a2b` is fine).
    /// Glob characters are excluded so that a namespace can be scanned with `SCAN
    /// MATCH <ns>:*` without matching anyone else's keys.
    pub fn parse(text: &str) -> Result<Namespace, InvalidNamespace> {
        let invalid = |reason| InvalidNamespace {
            namespace: text.to_string(),
            reason,
        };
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        if text.len() > 100 {
            return Err(invalid("it is longer than 100 characters"));
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        {
            return Err(invalid(
                "only ASCII letters, digits, '-', '_', '.' and ':' are allowed",
            ));
        }
        Ok(Namespace(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Namespace {
    fn default() -> Self {
        Namespace(DEFAULT_NAMESPACE.to_string())
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_test_prefixes_and_rejects_globs() {
        assert!(Namespace::parse("test:import:1a2b").is_ok());
        assert_eq!(Namespace::default().as_str(), "tally");
        assert!(Namespace::parse("").is_err());
        assert!(
            Namespace::parse("a*")
                .unwrap_err()
                .to_string()
                .contains("only ASCII")
        );
        assert!(Namespace::parse("a b").is_err());
    }
}
