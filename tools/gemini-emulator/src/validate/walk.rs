//! Strict protobuf-JSON parsing of a request body, reporting every violation the
//! way Google's front end words it:
//!
//! - `Invalid JSON payload received. Unknown name "x" at 'generation_config': Cannot find field.`
//! - `Invalid JSON payload received. Unknown name "contents" at '': Proto field is not repeating, cannot start list.`
//! - `Invalid value at 'generation_config.temperature' (TYPE_FLOAT), "hot"`
//!
//! Like protobuf JSON, either spelling of a field name is accepted at any depth,
//! numbers may be strings, integral floats fit integer fields, null means unset.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;

use super::proto::{Enum, Kind, Message};
use crate::google_error::Violation;

pub struct Walker {
    /// `google.ai.generativelanguage.v1beta` or `google.cloud.aiplatform.v1`.
    package: &'static str,
    pub violations: Vec<Violation>,
}

impl Walker {
    pub fn new(package: &'static str) -> Self {
        Walker {
            package,
            violations: Vec::new(),
        }
    }

    pub fn message(&mut self, value: &Value, message: &Message, path: &str) {
        let object = match value {
            Value::Null => return,
            Value::Object(object) => object,
            other => return self.invalid_value(path, &self.type_name(message.name), other),
        };
        for (key, value) in object {
            let Some(field) = message.field(key) else {
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!(" at '{path}'")
                };
                self.violation(
                    path,
                    format!("Invalid JSON payload received. Unknown name \"{key}\"{at}: Cannot find field."),
                );
                continue;
            };
            let child = if path.is_empty() {
                field.name.to_string()
            } else {
                format!("{path}.{}", field.name)
            };
            match value {
                Value::Null => {}
                Value::Array(items) if field.repeated => {
                    for (index, item) in items.iter().enumerate() {
                        self.value(item, &field.kind, &format!("{child}[{index}]"));
                    }
                }
                Value::Array(_) => self.violation(
                    path,
                    format!(
                        "Invalid JSON payload received. Unknown name \"{key}\" at '{path}': Proto field is not repeating, cannot start list."
                    ),
                ),
                other if field.repeated => self.invalid_value(&child, &self.kind_name(&field.kind), other),
                other => self.value(other, &field.kind, &child),
            }
        }
    }

    fn value(&mut self, value: &Value, kind: &Kind, path: &str) {
        if value.is_null() {
            return;
        }
        let ok = match kind {
            Kind::Any => true,
            Kind::Message(message) => return self.message(value, message, path),
            Kind::Map(message) => {
                let Value::Object(entries) = value else {
                    return self.invalid_value(path, &self.type_name(message.name), value);
                };
                for (key, entry) in entries {
                    self.message(entry, message, &format!("{path}[{key}]"));
                }
                return;
            }
            Kind::StringMap => value
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string)),
            Kind::String => value.is_string(),
            Kind::Bool => value.is_boolean(),
            Kind::Bytes => match value.as_str() {
                Some(text) if decode_bytes(text).is_some() => true,
                Some(text) => {
                    let shown: String = text.chars().take(40).collect();
                    return self.violation(
                        path,
                        format!("Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for \"{shown}\""),
                    );
                }
                None => false,
            },
            Kind::Int32 => integer(value).is_some_and(|n| i32::try_from(n).is_ok()),
            Kind::Int64 => integer(value).is_some(),
            Kind::Float | Kind::Double => float(value).is_some(),
            Kind::Enum(definition) => enum_value(value, definition),
        };
        if !ok {
            self.invalid_value(path, &self.kind_name(kind), value);
        }
    }

    fn kind_name(&self, kind: &Kind) -> String {
        match kind {
            Kind::String => "TYPE_STRING".into(),
            Kind::Bytes => "TYPE_BYTES".into(),
            Kind::Bool => "TYPE_BOOL".into(),
            Kind::Int32 => "TYPE_INT32".into(),
            Kind::Int64 => "TYPE_INT64".into(),
            Kind::Float => "TYPE_FLOAT".into(),
            Kind::Double => "TYPE_DOUBLE".into(),
            Kind::Enum(definition) => self.type_name(definition.name),
            Kind::Message(message) | Kind::Map(message) => self.type_name(message.name),
            Kind::StringMap => "TYPE_STRING".into(),
            Kind::Any => "type.googleapis.com/google.protobuf.Value".into(),
        }
    }

    fn type_name(&self, name: &str) -> String {
        format!("type.googleapis.com/{}.{name}", self.package)
    }

    fn invalid_value(&mut self, path: &str, type_name: &str, value: &Value) {
        let mut shown = value.to_string();
        if shown.len() > 80 {
            shown = format!("{}…", shown.chars().take(80).collect::<String>());
        }
        self.violation(
            path,
            format!("Invalid value at '{path}' ({type_name}), {shown}"),
        );
    }

    fn violation(&mut self, field: &str, description: String) {
        self.violations.push(Violation {
            field: field.to_string(),
            description,
        });
    }
}

/// Base64 as protobuf JSON accepts it: standard or URL-safe, padded or not.
pub fn decode_bytes(text: &str) -> Option<Vec<u8>> {
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
            Some(f64::NAN)
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn enum_value(value: &Value, definition: &Enum) -> bool {
    match value {
        Value::String(name) => definition.values.contains(&name.as_str()),
        Value::Number(n) => n
            .as_u64()
            .is_some_and(|i| (i as usize) < definition.values.len()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::proto::GENERATE_CONTENT_REQUEST;
    use serde_json::json;

    fn violations(body: Value) -> Vec<String> {
        let mut walker = Walker::new("google.ai.generativelanguage.v1beta");
        walker.message(&body, &GENERATE_CONTENT_REQUEST, "");
        walker
            .violations
            .into_iter()
            .map(|v| v.description)
            .collect()
    }

    #[test]
    fn accepts_mixed_spellings_float_top_k_and_numeric_strings() {
        let body = json!({
            "contents": [{"role": "user", "parts": [
                {"text": "Page 1"}, {"inlineData": {"mime_type": "image/png", "data": "iVBORw0K"}}]}],
            "system_instruction": {"role": "user", "parts": [{"text": "read"}]},
            "generationConfig": {"topK": 40.0, "top_p": 0.95, "maxOutputTokens": "16384",
                "thinkingConfig": {"thinking_budget": -1, "includeThoughts": false},
                "response_schema": {"type": "OBJECT", "property_ordering": ["a"],
                    "properties": {"a": {"type": "STRING", "nullable": true}}, "required": ["a"]}},
            "safety_settings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "threshold": "BLOCK_NONE"}]
        });
        assert_eq!(violations(body), Vec::<String>::new());
    }

    #[test]
    fn words_each_violation_like_google() {
        let body = json!({
            "thinkingConfig": {"thinkingBudget": 0},
            "contents": {"parts": []},
            "generationConfig": {"temperature": "hot", "topK": 40.5, "candidateCount": [1], "foo": 1,
                "response_schema": {"type": "object", "properties": {"a": {"typ": "STRING"}}}},
            "safetySettings": [{"category": "VIOLENCE"}]
        });
        let found = violations(body);
        let expected = [
            "Invalid JSON payload received. Unknown name \"thinkingConfig\": Cannot find field.",
            "Invalid value at 'contents' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content), {\"parts\":[]}",
            "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\"",
            "Invalid value at 'generation_config.top_k' (TYPE_INT32), 40.5",
            "Invalid JSON payload received. Unknown name \"candidateCount\" at 'generation_config': Proto field is not repeating, cannot start list.",
            "Invalid JSON payload received. Unknown name \"foo\" at 'generation_config': Cannot find field.",
            "Invalid value at 'generation_config.response_schema.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), \"object\"",
            "Invalid JSON payload received. Unknown name \"typ\" at 'generation_config.response_schema.properties[a]': Cannot find field.",
            "Invalid value at 'safety_settings[0].category' (type.googleapis.com/google.ai.generativelanguage.v1beta.HarmCategory), \"VIOLENCE\"",
        ];
        for line in expected {
            assert!(
                found.contains(&line.to_string()),
                "missing: {line}\nfound: {found:#?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:#?}");
    }
}
