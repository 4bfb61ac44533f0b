//! The schemas written by hand: request bodies, which `tally_core::contract` reads
//! from raw JSON with its own validator (defaults, optional fields and the Datadog
//! key are the validator's, not a struct's), and schedules, whose public form is
//! `Schedule::to_public_json`. The API's tests check answers against them like
//! against the derived ones.

use serde_json::{Map, Value, json};

fn string() -> Value {
    json!({"type": "string"})
}
fn integer() -> Value {
    json!({"type": "integer", "minimum": 0})
}
fn number() -> Value {
    json!({"type": "number"})
}
fn boolean() -> Value {
    json!({"type": "boolean"})
}
fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}
fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}
fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
fn map_of(values: Value) -> Value {
    json!({"type": "object", "additionalProperties": values})
}
fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}
fn enumeration(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
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
    let run_status = enumeration(&[
        "queued",
        "running",
        "succeeded",
        "partial",
        "failed",
        "cancelled",
    ]);
    let schemas = json!({
        "ExperimentRequest": object(&[
            ("ml_app?", described(string(), "default vote-extractor")),
            ("api_key?", described(nullable(string()), "a Datadog API key; never stored, logged or echoed")),
            ("site?", enumeration(&["datadoghq.com", "datadoghq.eu", "us3.datadoghq.com", "us5.datadoghq.com", "ap1.datadoghq.com", "ddog-gov.com"])),
            ("agentless_enabled?", boolean()),
            ("project_name?", string()),
            ("dataset_name", described(string(), "must exist (404 otherwise)")),
            ("dataset_version?", described(nullable(integer()), "null = latest; the run pins the version it used")),
            ("model_configs", array(schema_ref("ModelConfig"))),
            ("sample_size?", described(nullable(integer()), "null = every record; else the first N")),
            ("jobs?", described(integer(), "default 2; most model calls in flight per experiment")),
            ("raise_errors?", described(boolean(), "default true")),
        ]),
        "ImportRequest": object(&[("path", described(string(), "a folder under TALLY_DATA_DIR"))]),
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
        "ScheduleView": object(&[
            ("name", string()),
            ("cron", string()),
            ("time_zone", string()),
            ("paused", boolean()),
            ("request", schema_ref("ExperimentRequest")),
            ("alerts", object(&[
                ("accuracy_drop", number()),
                ("success_rate_drop", number()),
                ("webhook_url", described(nullable(string()), "redacted: scheme://host/…")),
            ])),
            ("origin", described(enumeration(&["file", "api"]), "file while only the schedules file wrote it; api after any API write (the file then leaves it alone)")),
            ("created_at", time()),
            ("updated_at", time()),
            ("last_slot", described(nullable(time()), "the latest fire time handled (run, failed or skipped)")),
            ("next_fire_times", described(array(time()), "the next 5, UTC; empty while paused")),
            ("last_runs", described(array(object(&[
                ("run_id", string()),
                ("status", run_status.clone()),
                ("created_at", time()),
                ("finished_at", nullable(time())),
                ("status_url", string()),
                ("experiments", described(
                    map_of(object(&[("overall_accuracy", number()), ("success_rate", number())])),
                    "experiment name → its scores, once the run is final (empty before)",
                )),
            ])), "the schedule's latest 10 runs, newest first")),
            ("skipped_slots", described(array(object(&[
                ("first", time()),
                ("last", time()),
                ("count", integer()),
                ("recorded_at", time()),
            ])), "slots never run (missed beyond the catch-up window), newest record first; at most 10")),
        ]),
        "ScheduleList": object(&[("schedules", array(schema_ref("ScheduleView")))]),
    });
    match schemas {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
