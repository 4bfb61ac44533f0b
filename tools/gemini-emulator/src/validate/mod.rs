//! Strict request validation, in the order the service applies it: JSON syntax, then
//! the protobuf-JSON shape (`walk` over the message definitions in `proto`), then
//! the model-level rules (`semantics`).

mod proto;
mod semantics;
mod walk;

use serde_json::Value;

use crate::config::ModelProfile;
use crate::google_error::ApiError;

pub use semantics::{Api, ImageRef, RequestFacts, get};
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

/// Checks the protobuf-JSON shape of a `batchGenerateContent` body (every inline
/// request included, with its path); what a request means is checked when the batch
/// runs ([`check_inlined_request`]), as the service does.
pub fn check_batch_shape(value: &Value) -> Result<(), ApiError> {
    if !value.is_object() {
        return Err(ApiError::invalid_argument(
            "Invalid JSON payload received. Unknown name \"\": Root element must be a message.",
        ));
    }
    let mut walker = walk::Walker::new("google.ai.generativelanguage.v1beta");
    walker.message(value, &proto::BATCH_GENERATE_CONTENT_REQUEST, "");
    if walker.violations.is_empty() {
        Ok(())
    } else {
        Err(ApiError::violations(walker.violations))
    }
}

/// The model-level checks of one inline request of a batch (its shape was checked at
/// creation): the same rules as an online Developer API request.
pub fn check_inlined_request(
    request: &Value,
    model_id: &str,
    profile: &ModelProfile,
) -> Result<RequestFacts, ApiError> {
    semantics::check(request, Api::Developer, model_id, profile)
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
