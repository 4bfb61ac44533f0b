//! `DatasetName`: the name a dataset is known by (its folder name).
//!
//! Names end up inside Redis keys and URLs, so they are restricted to a safe alphabet:
//! ASCII letters, digits, `-`, `_` and `.`, 1–100 characters, not starting with `.`.
//! In particular a name never contains `:` (the key separator) or `/`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

const MAX_LEN: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatasetName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid dataset name {name:?}: {reason}")]
pub struct InvalidDatasetName {
    pub name: String,
    pub reason: &'static str,
}

impl DatasetName {
    pub fn parse(name: &str) -> Result<DatasetName, InvalidDatasetName> {
        let invalid = |reason| InvalidDatasetName {
            name: name.to_string(),
            reason,
        };
        if name.is_empty() {
            return Err(invalid("it is empty"));
        }
        if name.len() > MAX_LEN {
            return Err(invalid("it is longer than 100 characters"));
        }
        if name.starts_with('.') {
            return Err(invalid("it starts with '.'"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(invalid(
                "only ASCII letters, digits, '-', '_' and '.' are allowed",
            ));
        }
        Ok(DatasetName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for DatasetName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DatasetName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        DatasetName::parse(&raw).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_folder_style_names() {
        for name in ["vote-extraction-bangbamru-1-10", "a", "Set_2.v3"] {
            assert_eq!(DatasetName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn rejects_names_that_could_break_keys_or_paths() {
        for (name, reason) in [
            ("", "empty"),
            (".hidden", "starts with '.'"),
            ("a:b", "only ASCII"),
            ("a/b", "only ASCII"),
            ("ชุดข้อมูล", "only ASCII"),
            ("with space", "only ASCII"),
        ] {
            let err = DatasetName::parse(name).unwrap_err();
            assert!(err.to_string().contains(reason), "{name}: {err}");
        }
        assert!(DatasetName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<DatasetName>("\"ok-name\"").is_ok());
        assert!(serde_json::from_str::<DatasetName>("\"bad:name\"").is_err());
    }
}
