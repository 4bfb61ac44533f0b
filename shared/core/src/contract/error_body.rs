//! The JSON body of every error answer:
//! `{"error": {"code": "...", "message": "...", "details": [...]}}`.
//!
//! Only the shape lives here; which HTTP status goes with which code is the API's.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::validate::{FieldError, RequestError, render};
use super::views::RuleFailure;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorContent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorContent {
    /// Stable and machine-readable: `malformed_body`, `unauthorized`, `forbidden`,
    /// `not_found`, `method_not_allowed`, `request_timeout`, `conflict`,
    /// `payload_too_large`, `uri_too_long`, `headers_too_large`, `invalid_request`,
    /// `invalid_dataset`, `rule_override_required`, `rate_limited`, `store_full`, `store_read_only`,
    /// `store_loading`, `store_unreachable`, `internal`.
    pub code: String,
    /// For people; names the field when one is at fault.
    pub message: String,
    /// One entry per violated field rule; empty for other errors.
    #[serde(default)]
    #[schema(required = true)]
    pub details: Vec<FieldError>,
    /// The one field at fault, for errors about a single field
    /// (`rule_override_required`: `override_reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `rule_override_required`: the consistency rules the reports fail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<RuleFailure>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorContent {
                code: code.into(),
                message: message.into(),
                details: Vec::new(),
                field: None,
                failures: Vec::new(),
            },
        }
    }

    /// Code `invalid_request`; the message lists every violation
    /// (`a: …; b: …`), `details` holds them one by one.
    pub fn invalid_fields(errors: &[FieldError]) -> Self {
        ErrorBody {
            error: ErrorContent {
                code: "invalid_request".to_string(),
                message: render(errors),
                details: errors.to_vec(),
                field: None,
                failures: Vec::new(),
            },
        }
    }
}

impl From<&RequestError> for ErrorBody {
    fn from(error: &RequestError) -> Self {
        match error {
            RequestError::Malformed(message) => ErrorBody::new(error.code(), message.clone()),
            RequestError::Invalid(errors) => ErrorBody::invalid_fields(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ExperimentRequest;
    use serde_json::json;

    #[test]
    fn invalid_request_body_lists_every_field() {
        let error = ExperimentRequest::from_json_bytes(
            br#"{"dataset_name": "d", "jobs": 0, "model_configs": [{"model": "m", "temperature": 3.5}]}"#,
        )
        .unwrap_err();
        let body = serde_json::to_value(ErrorBody::from(&error)).unwrap();
        assert_eq!(
            body,
            json!({"error": {
                "code": "invalid_request",
                "message": "model_configs[0].temperature: must be between 0.0 and 2.0, got 3.5; \
                            jobs: must be between 1 and 1000, got 0",
                "details": [
                    {"field": "model_configs[0].temperature",
                     "message": "must be between 0.0 and 2.0, got 3.5"},
                    {"field": "jobs", "message": "must be between 1 and 1000, got 0"}
                ]
            }})
        );
    }

    #[test]
    fn malformed_body_has_no_details() {
        let error = ExperimentRequest::from_json_bytes(b"[1]").unwrap_err();
        let body = serde_json::to_value(ErrorBody::from(&error)).unwrap();
        assert_eq!(
            body,
            json!({"error": {
                "code": "malformed_body",
                "message": "request body must be a JSON object, got an array",
                "details": []
            }})
        );
    }
}
