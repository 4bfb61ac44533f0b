//! The OpenAPI 3.1 document served at `/openapi.json`.
//!
//! The schemas of the answers are derived from the types the handlers return
//! (`tally_core::contract` and its `views`, `utoipa::ToSchema`), so a field added to a
//! response type is documented by construction. Request bodies and schedules, read
//! and written through hand-written JSON code, keep hand-written schemas (`input`).
//! `operations` lists the routes. The integration tests validate every route's
//! answers against this document with a JSON Schema validator.

mod input;
mod operations;

use serde_json::{Map, Value, json};
use tally_core::contract::views::{
    CancelAnswer, Comparison, DatasetList, DatasetVersions, ExperimentDetail, ImportOutcomeView,
    PresetList, Probe, RecordView, ResultsPage, RunList, RunStatusView, ServiceHealth,
};
use tally_core::contract::{ErrorBody, ExperimentResponse, RunAccepted};
use utoipa::OpenApi;

use operations::{OPERATIONS, operation};

/// The answer types: `utoipa` collects them and every type they contain.
#[derive(OpenApi)]
#[openapi(components(schemas(
    ErrorBody,
    ExperimentResponse,
    RunAccepted,
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
    ServiceHealth,
    Probe,
    PresetList,
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
    schemas
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
    Every error is {\"error\": {\"code\", \"message\", \"details\"}}."
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
