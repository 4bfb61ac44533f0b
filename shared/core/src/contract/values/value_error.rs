//! `ValueError`: why a value was refused, and how an offending value is shown.

use std::fmt::Display;

/// Values longer than this are shortened in messages, so one huge field cannot turn
/// an error response into an echo of the request.
const MAX_SHOWN_CHARS: usize = 80;
const SHOWN_PREFIX_CHARS: usize = 60;

/// A refused value: the rule it breaks (`must be between 0.0 and 2.0`) and the value
/// as given (`3.5`). Displays as `must be between 0.0 and 2.0, got 3.5`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}, got {got}")]
pub struct ValueError {
    rule: String,
    got: String,
}

impl ValueError {
    pub(crate) fn new(rule: impl Into<String>, got: impl Display) -> Self {
        ValueError {
            rule: rule.into(),
            got: excerpt(&got.to_string()),
        }
    }

    /// A refused string, shown JSON-quoted so whitespace and emptiness are visible.
    pub(crate) fn text(rule: impl Into<String>, got: &str) -> Self {
        ValueError::new(rule, quoted(got))
    }

    pub fn rule(&self) -> &str {
        &self.rule
    }

    pub fn got(&self) -> &str {
        &self.got
    }
}

/// `text` JSON-quoted (Thai stays readable; quotes, backslashes and control
/// characters are escaped).
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// `text` itself when short, else its beginning, an ellipsis and its length.
pub(crate) fn excerpt(text: &str) -> String {
    let length = text.chars().count();
    if length <= MAX_SHOWN_CHARS {
        return text.to_string();
    }
    let prefix: String = text.chars().take(SHOWN_PREFIX_CHARS).collect();
    format!("{prefix}… ({length} characters)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_rule_and_value() {
        let error = ValueError::new("must be between 0.0 and 2.0", 3.5);
        assert_eq!(error.to_string(), "must be between 0.0 and 2.0, got 3.5");
        assert_eq!(error.rule(), "must be between 0.0 and 2.0");
        assert_eq!(error.got(), "3.5");
    }

    #[test]
    fn quotes_text_and_keeps_thai_readable() {
        let error = ValueError::text("must not be empty", " \tกข\"");
        assert_eq!(error.got(), r#"" \tกข\"""#);
    }

    #[test]
    fn shortens_long_values() {
        let long = "x".repeat(200);
        assert_eq!(
            excerpt(&long),
            format!("{}… (200 characters)", "x".repeat(60))
        );
        assert_eq!(excerpt(&"y".repeat(80)), "y".repeat(80));
    }
}
