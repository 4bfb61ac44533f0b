//! The request bodies read by hand-written JSON code rather than into a type of
//! their own: a schedule (`Schedule::from_json`: optional fields, defaults, every
//! problem by path), an import (`{"path": …}` or `{"datadog": …}`), a push to
//! Datadog, and a label set's check, label and publish bodies. Their schemas are written here;
//! every answer's schema is derived.

use serde_json::{Map, Value, json};

fn string() -> Value {
    json!({"type": "string"})
}
fn number() -> Value {
    json!({"type": "number"})
}
fn boolean() -> Value {
    json!({"type": "boolean"})
}
fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}
fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}
fn described(mut schema: Value, description: &str) -> Value {
    schema["description"] = Value::from(description);
    schema
}

/// An object schema; fields marked `?` after the name are optional (may be absent).
fn object(fields: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, schema) in fields {
        match name.strip_suffix('?') {
            Some(optional) => {
                properties.insert(optional.to_string(), schema.clone());
            }
            None => {
                properties.insert(name.to_string(), schema.clone());
                required.push(Value::from(*name));
            }
        }
    }
    json!({"type": "object", "properties": properties, "required": required})
}

/// Name → schema of every hand-written component.
pub fn schemas() -> Map<String, Value> {
    let schemas = json!({
        "ImportRequest": described(object(&[
            ("path?", described(string(), "a folder under TALLY_DATA_DIR")),
            ("datadog?", object(&[
                ("project_name", described(string(), "the Datadog project")),
                ("dataset_name", described(string(), "the Datadog dataset; the tally dataset takes its name")),
                ("version?", described(json!({"type": "integer", "minimum": 0}), "Datadog's version number; default: the current one")),
            ])),
        ]), "exactly one of path (a folder) and datadog (a Datadog dataset version, read with the server's keys)"),
        "DatadogPushRequest": object(&[
            ("version?", described(json!({"type": "integer", "minimum": 1}), "the tally version; default: the latest")),
            ("project_name?", described(string(), "the Datadog project; default default-project")),
        ]),
        "CheckRequest": object(&[
            ("reports", described(json!({"type": "array", "items": {"type": "object"}}), "the record's reports as typed, in the extraction format")),
        ]),
        "LabelRequest": object(&[
            ("decision", json!({"type": "string", "enum": ["accept", "skip", "flag"]})),
            ("reports?", described(json!({"type": "array", "items": {"type": "object"}}), "required to accept: the reports as read")),
            ("override_reason?", described(string(), "required to accept reports that fail a consistency rule")),
            ("note?", string()),
        ]),
        "PublishRequest": object(&[
            ("dataset", described(string(), "the dataset the accepted records become a version of")),
        ]),
        "Schedule": object(&[
            ("name", described(string(), "ASCII letters, digits, - . _; starts with a letter or digit; at most 128 characters; unique")),
            ("cron", described(string(), "a standard 5-field crontab line, read in time_zone; 1 = Monday, 0 and 7 = Sunday; a seconds field is refused")),
            ("time_zone?", described(string(), "an IANA name; default UTC")),
            ("paused?", described(boolean(), "default false; a paused schedule creates no runs")),
            ("request", described(schema_ref("ExperimentRequest"), "submitted at every fire time; dataset_version may also be \"latest\"; api_key is refused")),
            ("alerts?", object(&[
                ("accuracy_drop?", described(number(), "0.0-1.0, default 0.05: the largest tolerated fall of overall_accuracy")),
                ("success_rate_drop?", described(number(), "0.0-1.0, default 0.10")),
                ("webhook_url?", described(nullable(string()), "http(s); alerts are POSTed here. Shown redacted (scheme://host/…); sending the redacted form back keeps the stored URL")),
            ])),
        ]),
    });
    match schemas {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
