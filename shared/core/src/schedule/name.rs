//! `ScheduleName`: how a schedule is known in the API, the store keys and the runs it
//! creates (`Submitter::schedule`).

use std::fmt;

use crate::contract::{ValueError, check_identifier};

/// ASCII letters, digits, `-`, `.`, `_`; starts with a letter or digit; ≤ 128
/// characters. The rule of dataset names: safe inside a Redis key (no `:`) and a
/// URL path segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScheduleName(String);

impl ScheduleName {
    pub fn parse(text: &str) -> Result<ScheduleName, ValueError> {
        check_identifier(text)?;
        Ok(ScheduleName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScheduleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_key_safe_identifiers() {
        assert_eq!(
            ScheduleName::parse("weekly-monitoring").unwrap().as_str(),
            "weekly-monitoring"
        );
        let err = ScheduleName::parse("weekly:monitoring").unwrap_err();
        assert!(err.to_string().contains("found ':'"), "{err}");
        assert!(ScheduleName::parse("").is_err());
        assert!(ScheduleName::parse("-x").is_err());
    }
}
