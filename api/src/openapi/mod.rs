//! The OpenAPI 3.1 document served at `/openapi.json`.
//!
//! The schemas are derived from the types the handlers return and the run request
//! they read (`tally_core::contract` and its `views`, `utoipa::ToSchema`), so a field
//! added to one is documented by construction. The two bodies read by hand-written
//! JSON code (a schedule, an import) keep hand-written schemas (`input`).
//! `operations` lists the routes. The integration tests validate every route's
//! answers against this document with a JSON Schema validator.

mod input;
mod operations;

use serde_json::{Map, Value, json};
use tally_core::contract::views::{
    CancelAnswer, CheckView, Comparison, DatadogPushView, DatasetList, DatasetVersions,
    ExperimentDetail, ImportOutcomeView, LabelRecordView, LabelSetList, LabelSetView, LeaseGranted,
    PrefillAccepted, PresetList, Probe, PublishOutcome, RecordView, ResultsPage, RetryAccepted,
    RunList, RunStatusView, ScheduleDetail, ScheduleList, ServiceHealth, WhoAmI,
};
use tally_core::contract::{
    ErrorBody, ExperimentRequest, ExperimentResponse, ModelConfig, RunAccepted,
};
use utoipa::OpenApi;

use operations::{OPERATIONS, operation};

/// The answer types: `utoipa` collects them and every type they contain.
#[derive(OpenApi)]
#[openapi(components(schemas(
    ExperimentRequest,
    ErrorBody,
    ExperimentResponse,
    RunAccepted,
    RetryAccepted,
    RunStatusView,
    RunList,
    CancelAnswer,
    ExperimentDetail,
    ResultsPage,
    Comparison,
    DatasetList,
    DatasetVersions,
    RecordView,
    ImportOutcomeView,
    DatadogPushView,
    ServiceHealth,
    Probe,
    PresetList,
    WhoAmI,
    ScheduleDetail,
    ScheduleList,
    LabelSetList,
    LabelSetView,
    PrefillAccepted,
    LeaseGranted,
    LabelRecordView,
    CheckView,
    PublishOutcome,
    ModelConfig,
)))]
struct Answers;

/// Name → schema: the derived ones and the hand-written ones.
fn schemas() -> Map<String, Value> {
    let derived = serde_json::to_value(Answers::openapi()).unwrap_or(Value::Null);
    let mut schemas = match &derived["components"]["schemas"] {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    schemas.extend(input::schemas());
    add_api_key(&mut schemas);
    schemas
}

/// Clients may send Datadog keys (`api_key`, `app_key`), but `ExperimentRequest`
/// never serializes them (a stored request holds no secret), so the derive leaves
/// them out of the schema of the body; they are added here.
fn add_api_key(schemas: &mut Map<String, Value>) {
    if let Some(Value::Object(properties)) = schemas
        .get_mut("ExperimentRequest")
        .and_then(|schema| schema.get_mut("properties"))
    {
        properties.insert(
            "api_key".to_string(),
            json!({"type": ["string", "null"],
                   "description": "A Datadog API key for this run's export: sealed with the server's TALLY_SEAL_KEY until the export ends (not kept without one); never logged or echoed."}),
        );
        properties.insert(
            "app_key".to_string(),
            json!({"type": ["string", "null"],
                   "description": "A Datadog application key, with api_key (default: the server's DD_APP_KEY); kept like api_key."}),
        );
    }
}

/// The `(method, path)` of every documented route.
pub fn routes() -> Vec<(&'static str, &'static str)> {
    OPERATIONS.iter().map(|op| (op.method, op.path)).collect()
}

/// The whole document; `server` is the public base URL.
pub fn document(server: &str) -> Value {
    let mut paths = Map::new();
    for op in OPERATIONS {
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tally API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Runs model experiments on datasets of election count forms. \
    Every error is {\"error\": {\"code\", \"message\", \"details\"}}. \
    Each operation's x-tally-role names the least role of API key that may call it \
    (viewer < runner < admin; a key without a role is admin); its description says the same."
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"api_key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        },
        "security": [{"api_key": []}]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` under `value`.
    fn references(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    found.push(reference.clone());
                }
                map.values().for_each(|v| references(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_named_by_a_route_or_a_schema_exists() {
        let document = document("http://localhost");
        let schemas = document["components"]["schemas"].as_object().unwrap();
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(found.len() > 50);
        for reference in found {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{reference} is not a component"));
            assert!(schemas.contains_key(name), "{reference} names no schema");
        }
    }
}
