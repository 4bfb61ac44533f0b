//! Names: datasets, model ids, experiment-name suffixes and free-text labels.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use super::ValueError;

/// Longest dataset name or model id. Both end up in keys and URL paths.
const MAX_IDENTIFIER_CHARS: usize = 128;
/// Longest `name_suffix`; the experiment name adds `vote-extraction-` to it.
const MAX_SUFFIX_CHARS: usize = 100;
/// Longest `ml_app` / `project_name`.
const MAX_LABEL_CHARS: usize = 200;

/// A dataset's name: the folder it was imported from and part of its store keys.
/// ASCII letters, digits, `-`, `.`, `_`; starts with a letter or digit; ≤ 128 chars.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct DatasetName(String);

impl DatasetName {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        check_identifier(text)?;
        Ok(DatasetName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Gemini model id such as `gemini-2.5-flash`. It is put into the URL path
/// `models/{model}:generateContent`, so it cannot contain `/`, `:`, `?`, `#`, `%` or
/// whitespace: ASCII letters, digits, `-`, `.`, `_`; starts with a letter or digit;
/// ≤ 128 chars.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct ModelId(String);

impl ModelId {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        check_identifier(text)?;
        Ok(ModelId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The experiment-name suffix of a model configuration (`baseline`, `ลองใหม่`):
/// any text that is not blank, has no control characters and is ≤ 100 chars.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameSuffix(String);

impl NameSuffix {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        check_text(text, MAX_SUFFIX_CHARS)?;
        Ok(NameSuffix(text.to_string()))
    }

    /// As `parse`, but the empty string is no suffix: what the old service's clients
    /// send for a cleared field.
    pub fn parse_optional(text: &str) -> Result<Option<Self>, ValueError> {
        if text.is_empty() {
            return Ok(None);
        }
        NameSuffix::parse(text).map(Some)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text label passed through to Datadog (`ml_app`, `project_name`): not
/// blank, no control characters, ≤ 200 chars.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label(String);

impl Label {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        check_text(text, MAX_LABEL_CHARS)?;
        Ok(Label(text.to_string()))
    }

    /// A label from a constant of this crate (a default); the contract tests check
    /// that every such constant passes `parse`.
    pub(crate) fn from_known(text: &'static str) -> Self {
        Label(text.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Each name displays and serializes as its text.
macro_rules! text_value {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    )*};
}

text_value!(DatasetName, ModelId, NameSuffix, Label);

impl TryFrom<String> for DatasetName {
    type Error = ValueError;

    fn try_from(text: String) -> Result<Self, ValueError> {
        DatasetName::parse(&text)
    }
}

impl TryFrom<String> for ModelId {
    type Error = ValueError;

    fn try_from(text: String) -> Result<Self, ValueError> {
        ModelId::parse(&text)
    }
}

pub(crate) fn check_identifier(text: &str) -> Result<(), ValueError> {
    check_length(text, MAX_IDENTIFIER_CHARS)?;
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(ValueError::text(
            format!("may only contain ASCII letters, digits, '-', '.' and '_' (found {bad:?})"),
            text,
        ));
    }
    if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(ValueError::text(
            "must start with a letter or a digit",
            text,
        ));
    }
    Ok(())
}

fn check_text(text: &str, max_chars: usize) -> Result<(), ValueError> {
    check_length(text, max_chars)?;
    if text.trim().is_empty() {
        return Err(ValueError::text("must not be blank", text));
    }
    if let Some(bad) = text.chars().find(|c| is_forbidden_in_names(*c)) {
        return Err(ValueError::text(
            format!("must not contain control or bidirectional-control characters (found {bad:?})"),
            text,
        ));
    }
    Ok(())
}

/// Control characters (NUL included) and the invisible bidirectional controls that
/// can make a name read differently from what it is (U+061C, U+200E–U+200F,
/// U+202A–U+202E, U+2066–U+2069).
pub fn is_forbidden_in_names(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

fn check_length(text: &str, max_chars: usize) -> Result<(), ValueError> {
    if text.is_empty() {
        return Err(ValueError::text("must not be empty", text));
    }
    if text.chars().count() > max_chars {
        return Err(ValueError::text(
            format!("must be at most {max_chars} characters"),
            text,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_error(text: &str) -> String {
        ModelId::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn accepts_real_model_ids() {
        for id in [
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
            "gemini-2.0-flash-001",
            "m_1",
        ] {
            assert_eq!(ModelId::parse(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn rejects_model_ids_that_would_break_the_url_path() {
        assert_eq!(model_error(""), r#"must not be empty, got """#);
        assert_eq!(
            model_error("models/gemini"),
            r#"may only contain ASCII letters, digits, '-', '.' and '_' (found '/'), got "models/gemini""#
        );
        for (id, found) in [
            ("gemini:x", "':'"),
            ("a?b", "'?'"),
            ("a#b", "'#'"),
            ("a%2F", "'%'"),
            ("gemini 2", "' '"),
            ("gemini\t", "'\\t'"),
        ] {
            assert!(
                model_error(id).contains(&format!("(found {found})")),
                "{id}"
            );
        }
        assert_eq!(
            model_error(".."),
            r#"must start with a letter or a digit, got "..""#
        );
        let long = "a".repeat(129);
        assert!(model_error(&long).starts_with("must be at most 128 characters, got \"aaa"));
        assert!(ModelId::parse(&"a".repeat(128)).is_ok());
    }

    #[test]
    fn dataset_names_follow_the_identifier_rule() {
        let name = DatasetName::parse("vote-extraction-bangbamru-1-10").unwrap();
        assert_eq!(name.to_string(), "vote-extraction-bangbamru-1-10");
        assert!(DatasetName::parse("../etc").is_err());
        assert!(DatasetName::parse("-x").is_err());
    }

    #[test]
    fn deserializing_applies_the_rule() {
        assert!(serde_json::from_str::<ModelId>(r#""a/b""#).is_err());
        assert!(serde_json::from_str::<DatasetName>(r#""""#).is_err());
        let id: ModelId = serde_json::from_str(r#""gemini-2.5-flash""#).unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""gemini-2.5-flash""#);
    }

    #[test]
    fn free_text_must_be_visible_and_bounded() {
        assert_eq!(NameSuffix::parse("ลองใหม่").unwrap().as_str(), "ลองใหม่");
        assert_eq!(
            NameSuffix::parse("  ").unwrap_err().to_string(),
            r#"must not be blank, got "  ""#
        );
        assert_eq!(
            Label::parse("a\nb").unwrap_err().to_string(),
            r#"must not contain control or bidirectional-control characters (found '\n'), got "a\nb""#
        );
        assert!(NameSuffix::parse(&"s".repeat(101)).is_err());
        assert!(Label::parse(&"s".repeat(200)).is_ok());
        for hidden in ["a\0b", "admin\u{202E}txt", "x\u{2066}y", "\u{200F}z"] {
            assert!(NameSuffix::parse(hidden).is_err(), "{hidden:?}");
        }
    }
}
