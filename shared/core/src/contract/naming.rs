//! The experiment-naming rule and experiment tags of the HTTP contract.

use std::collections::BTreeMap;

use serde_json::Value;

use super::request::ModelConfig;

const NAME_PREFIX: &str = "vote-extraction-";

impl ModelConfig {
    /// `vote-extraction-{name_suffix}`, or `vote-extraction-{model}-t{temperature}`
    /// without a suffix, the temperature written as Python's `str(float)` writes it
    /// (`t0.0`, `t0.7`, `t1.0`) so names match those of the old service.
    pub fn experiment_name(&self) -> String {
        match &self.name_suffix {
            Some(suffix) => format!("{NAME_PREFIX}{suffix}"),
            None => format!("{NAME_PREFIX}{}-t{}", self.model, self.temperature),
        }
    }

    /// The experiment's tags as a map sorted by key: `model` (the model id),
    /// `temperature` (as in the name) and one entry per metadata entry, whose value
    /// is the string itself for a JSON string and compact JSON otherwise (`3`,
    /// `true`, `{"a":1}`). `model` and `temperature` always describe the real
    /// configuration: a metadata entry of the same name does not replace them.
    pub fn tags(&self) -> BTreeMap<String, String> {
        let mut tags: BTreeMap<String, String> = self
            .metadata
            .entries()
            .iter()
            .map(|(key, value)| (key.clone(), tag_value(value)))
            .collect();
        tags.insert("model".to_string(), self.model.to_string());
        tags.insert("temperature".to_string(), self.temperature.to_string());
        tags
    }
}

fn tag_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> ModelConfig {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn names_by_model_and_python_style_temperature() {
        for (temperature, name) in [
            ("0", "vote-extraction-gemini-2.5-flash-t0.0"),
            ("0.0", "vote-extraction-gemini-2.5-flash-t0.0"),
            ("0.7", "vote-extraction-gemini-2.5-flash-t0.7"),
            ("1", "vote-extraction-gemini-2.5-flash-t1.0"),
            ("1.25", "vote-extraction-gemini-2.5-flash-t1.25"),
        ] {
            let config = config(&format!(
                r#"{{"model": "gemini-2.5-flash", "temperature": {temperature}}}"#
            ));
            assert_eq!(config.experiment_name(), name);
        }
    }

    #[test]
    fn a_suffix_replaces_model_and_temperature() {
        let config = config(
            r#"{"model": "gemini-2.5-flash-lite", "temperature": 0.2, "name_suffix": "lite"}"#,
        );
        assert_eq!(config.experiment_name(), "vote-extraction-lite");
    }

    #[test]
    fn tags_hold_model_temperature_and_metadata() {
        let config = config(
            r#"{"model": "gemini-2.5-flash", "temperature": 1,
                "metadata": {"preset": "baseline", "round": 3, "model": "spoofed",
                             "flags": {"a": [1, true]}}}"#,
        );
        let tags: Vec<(String, String)> = config.tags().into_iter().collect();
        let expected = [
            ("flags", r#"{"a":[1,true]}"#),
            ("model", "gemini-2.5-flash"),
            ("preset", "baseline"),
            ("round", "3"),
            ("temperature", "1.0"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(tags, expected);
    }
}
