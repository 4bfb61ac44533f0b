//! Strict request validation, in the order the service applies it: JSON syntax, then
//! the protobuf-JSON shape (`walk` over the message definitions in `proto`), then
//! the model-level rules (`semantics`).

mod proto;
mod semantics;
mod walk;

use serde_json::Value;

use crate::config::ModelProfile;
use crate::google_error::ApiError;

pub use semantics::{Api, ImageRef, RequestFacts};
pub use walk::decode_bytes;

/// Checks a generateContent body (already JSON) for `model_id`.
pub fn check_request(
    value: &Value,
    api: Api,
    api_version: &str,
    model_id: &str,
    profile: &ModelProfile,
) -> Result<RequestFacts, ApiError> {
    let package = match api {
        Api::Developer => {
            if api_version == "v1" {
                "google.ai.generativelanguage.v1"
            } else {
                "google.ai.generativelanguage.v1beta"
            }
        }
        Api::Vertex => "google.cloud.aiplatform.v1",
    };
    if !value.is_object() {
        return Err(ApiError::invalid_argument(
            "Invalid JSON payload received. Unknown name \"\": Root element must be a message.",
        ));
    }
    let mut walker = walk::Walker::new(package);
    walker.message(value, &proto::GENERATE_CONTENT_REQUEST, "");
    if !walker.violations.is_empty() {
        return Err(ApiError::violations(walker.violations));
    }
    semantics::check(value, api, model_id, profile)
}

/// The body as JSON, or Google's "Unexpected token" error pointing at the spot.
pub fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        let text = String::from_utf8_lossy(body);
        let line = text
            .lines()
            .nth(error.line().saturating_sub(1))
            .unwrap_or_default();
        let start = error.column().saturating_sub(40);
        let excerpt: String = line.chars().skip(start).take(80).collect();
        let caret = " ".repeat(error.column().saturating_sub(start).saturating_sub(1));
        ApiError::invalid_argument(format!(
            "Invalid JSON payload received. Unexpected token.\n{excerpt}\n{caret}^"
        ))
    })
}
