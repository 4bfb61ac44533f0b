//! `Metadata`: the free-form JSON object of a model configuration, which becomes
//! experiment tags.

use serde::Serialize;
use serde_json::{Map, Value};

use super::ValueError;

/// The most entries; every entry becomes a tag on the experiment.
const MAX_METADATA_ENTRIES: usize = 64;
const MAX_KEY_CHARS: usize = 100;

/// A JSON object of at most `MAX_METADATA_ENTRIES` entries whose keys are 1–100
/// characters without control characters. Values are any JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct Metadata(Map<String, Value>);

impl Metadata {
    pub fn parse(entries: Map<String, Value>) -> Result<Self, ValueError> {
        if entries.len() > MAX_METADATA_ENTRIES {
            return Err(ValueError::new(
                format!("must have at most {MAX_METADATA_ENTRIES} entries"),
                format!("{} entries", entries.len()),
            ));
        }
        for key in entries.keys() {
            let length = key.chars().count();
            if length == 0 || length > MAX_KEY_CHARS || key.chars().any(char::is_control) {
                return Err(ValueError::text(
                    format!(
                        "keys must be 1 to {MAX_KEY_CHARS} characters without control characters"
                    ),
                    key,
                ));
            }
        }
        Ok(Metadata(entries))
    }

    pub fn entries(&self) -> &Map<String, Value> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn keeps_any_json_values() {
        let metadata = Metadata::parse(object(json!({"run": "weekly", "n": 3}))).unwrap();
        assert_eq!(metadata.entries()["n"], json!(3));
        assert_eq!(
            serde_json::to_value(&metadata).unwrap(),
            json!({"run": "weekly", "n": 3})
        );
    }

    #[test]
    fn rejects_bad_keys_and_too_many_entries() {
        assert_eq!(
            Metadata::parse(object(json!({"": 1})))
                .unwrap_err()
                .to_string(),
            r#"keys must be 1 to 100 characters without control characters, got """#
        );
        let many: Map<String, Value> = (0..65).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(
            Metadata::parse(many).unwrap_err().to_string(),
            "must have at most 64 entries, got 65 entries"
        );
    }
}
