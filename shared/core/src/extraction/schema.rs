//! The Gemini `responseSchema` (OpenAPI subset, upper-case types) of the extraction.
//!
//! Every report type implements [`GeminiSchema`] through the `report_object!` macro
//! that also declares the struct, so the schema sent to the model and the type that
//! parses its answer are one definition and cannot drift apart.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use super::count::Count;
use super::report::Report;

/// A type that can describe itself as a Gemini response schema.
pub trait GeminiSchema {
    /// `true` for `Option<T>`: the field may be absent or null, so it is not required.
    const OPTIONAL: bool = false;
    fn gemini_schema() -> Value;
}

impl GeminiSchema for String {
    fn gemini_schema() -> Value {
        json!({"type": "STRING"})
    }
}

impl GeminiSchema for Count {
    fn gemini_schema() -> Value {
        json!({"type": "INTEGER"})
    }
}

impl<T: GeminiSchema> GeminiSchema for Option<T> {
    const OPTIONAL: bool = true;
    fn gemini_schema() -> Value {
        let mut schema = T::gemini_schema();
        if let Value::Object(map) = &mut schema {
            map.insert("nullable".into(), Value::Bool(true));
        }
        schema
    }
}

impl<T: GeminiSchema> GeminiSchema for Vec<T> {
    fn gemini_schema() -> Value {
        json!({"type": "ARRAY", "items": T::gemini_schema()})
    }
}

/// Builds an OBJECT schema from `(name, schema, optional)` triples, keeping the
/// declaration order in `propertyOrdering` so the model writes fields in form order.
pub(crate) fn object_schema(fields: &[(&str, Value, bool)]) -> Value {
    let mut properties = Map::new();
    let mut ordering = Vec::new();
    let mut required = Vec::new();
    for (name, schema, optional) in fields {
        properties.insert((*name).to_string(), schema.clone());
        ordering.push(Value::String((*name).to_string()));
        if !optional {
            required.push(Value::String((*name).to_string()));
        }
    }
    json!({
        "type": "OBJECT",
        "properties": properties,
        "required": required,
        "propertyOrdering": ordering,
    })
}

/// The schema of a whole answer: a list of reports. Built once: every request sends
/// the same one, and building its tree per call cost allocations on the hot path.
pub fn response_schema() -> &'static Value {
    static SCHEMA: LazyLock<Value> = LazyLock::new(<Vec<Report> as GeminiSchema>::gemini_schema);
    &SCHEMA
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_is_an_array_of_report_objects_with_form_order() {
        let schema = response_schema();
        assert_eq!(schema["type"], "ARRAY");
        let report = &schema["items"];
        assert_eq!(report["type"], "OBJECT");
        assert_eq!(
            report["propertyOrdering"],
            json!([
                "form_info",
                "voter_statistics",
                "ballot_statistics",
                "vote_results"
            ])
        );
        assert_eq!(
            report["required"],
            json!(["form_info", "ballot_statistics", "vote_results"])
        );
        let form_info = &report["properties"]["form_info"];
        assert_eq!(
            form_info["required"],
            json!([
                "form_type",
                "province",
                "district",
                "polling_station_number"
            ])
        );
        assert_eq!(
            form_info["properties"]["form_type"],
            json!({"type": "STRING", "enum": ["Constituency", "PartyList"]})
        );
        let vote = &report["properties"]["vote_results"]["items"];
        assert_eq!(
            vote["properties"]["vote_count"],
            json!({"type": "INTEGER", "nullable": true})
        );
    }

    #[test]
    fn every_schema_property_is_a_field_of_the_parsed_type() {
        // Serialise a report with every field filled and compare key sets level by level.
        let report: Report =
            serde_json::from_value(super::super::report::tests::full_report_json())
                .expect("full report parses");
        let value = serde_json::to_value(vec![report]).unwrap();
        fn same_keys(schema: &Value, value: &Value, path: &str) {
            match schema["type"].as_str() {
                Some("OBJECT") => {
                    let props = schema["properties"].as_object().unwrap();
                    let fields = value
                        .as_object()
                        .unwrap_or_else(|| panic!("{path} not an object"));
                    let mut a: Vec<_> = props.keys().collect();
                    let mut b: Vec<_> = fields.keys().collect();
                    a.sort();
                    b.sort();
                    assert_eq!(a, b, "at {path}");
                    for (k, s) in props {
                        same_keys(s, &fields[k], &format!("{path}.{k}"));
                    }
                }
                Some("ARRAY") => {
                    for (i, item) in value.as_array().unwrap().iter().enumerate() {
                        same_keys(&schema["items"], item, &format!("{path}[{i}]"));
                    }
                }
                _ => {}
            }
        }
        same_keys(response_schema(), &value, "$");
    }
}
