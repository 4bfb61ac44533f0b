//! Error responses exactly as Google sends them:
//! `{"error": {"code", "message", "status", "details": [...]}}`, and for some
//! front-end errors (502, 408) an HTML page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One invalid field, as in `google.rpc.BadRequest.fieldViolations`.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// snake_case path, e.g. `generation_config.temperature`; empty at the top level.
    pub field: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub status: &'static str,
    pub message: String,
    pub details: Vec<Value>,
    pub retry_after_secs: Option<u64>,
    /// Answer with Google's front-end HTML page instead of JSON.
    pub html: bool,
}

impl ApiError {
    fn new(code: u16, status: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            status,
            message: message.into(),
            details: Vec::new(),
            retry_after_secs: None,
            html: false,
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        ApiError::new(400, "INVALID_ARGUMENT", message)
    }

    /// 400 listing every violation, message = descriptions joined by newlines.
    pub fn violations(violations: Vec<Violation>) -> Self {
        let message = violations
            .iter()
            .map(|v| v.description.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let field_violations: Vec<Value> = violations
            .iter()
            .map(|v| {
                if v.field.is_empty() {
                    json!({"description": v.description})
                } else {
                    json!({"field": v.field, "description": v.description})
                }
            })
            .collect();
        ApiError {
            details: vec![
                json!({"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": field_violations}),
            ],
            ..ApiError::invalid_argument(message)
        }
    }

    pub fn api_key_invalid() -> Self {
        ApiError {
            details: vec![
                json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                       "domain": "googleapis.com",
                       "metadata": {"service": "generativelanguage.googleapis.com"}}),
                json!({"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US",
                       "message": "API key not valid. Please pass a valid API key."}),
            ],
            ..ApiError::invalid_argument("API key not valid. Please pass a valid API key.")
        }
    }

    pub fn missing_api_key() -> Self {
        ApiError::new(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). \
             Please use API Key or other form of API consumer identity to call this API.",
        )
    }

    pub fn unauthenticated() -> Self {
        ApiError {
            details: vec![json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                 "reason": "ACCESS_TOKEN_TYPE_UNSUPPORTED", "domain": "googleapis.com"})],
            ..ApiError::new(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie \
                 or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            )
        }
    }

    pub fn model_not_found(model: &str, api_version: &str) -> Self {
        ApiError::new(
            404,
            "NOT_FOUND",
            format!(
                "models/{model} is not found for API version {api_version}, or is not supported for \
                 generateContent. Call ListModels to see the list of available models and their supported methods."
            ),
        )
    }

    /// A resource (a batch, a file) that does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(404, "NOT_FOUND", message)
    }

    pub fn failed_precondition(message: impl Into<String>) -> Self {
        ApiError::new(400, "FAILED_PRECONDITION", message)
    }

    pub fn method_not_found() -> Self {
        ApiError::new(404, "NOT_FOUND", "Method not found.")
    }

    /// 429 of the Developer API: QuotaFailure + Help + RetryInfo, "Please retry in …".
    pub fn quota_exceeded(model: &str, quota_id: &str, limit: u64, retry_delay_secs: f64) -> Self {
        let metric = if quota_id.contains("PerDay") {
            "generativelanguage.googleapis.com/generate_requests_per_model_per_day"
        } else if quota_id.contains("InputTokens") {
            "generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count"
        } else {
            "generativelanguage.googleapis.com/generate_content_requests_per_model"
        };
        let message = format!(
            "You exceeded your current quota, please check your plan and billing details. For more information \
             on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current \
             usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: {metric}, \
             limit: {limit}, model: {model}\nPlease retry in {retry_delay_secs:.2}s."
        );
        ApiError {
            details: vec![
                json!({"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                       "violations": [{"quotaMetric": metric, "quotaId": quota_id,
                                       "quotaDimensions": {"location": "global", "model": model},
                                       "quotaValue": limit.to_string()}]}),
                json!({"@type": "type.googleapis.com/google.rpc.Help",
                       "links": [{"description": "Learn more about Gemini API quotas",
                                  "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]}),
                json!({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                       "retryDelay": format_proto_duration(retry_delay_secs)}),
            ],
            ..ApiError::new(429, "RESOURCE_EXHAUSTED", message)
        }
    }

    /// 429 of Vertex AI: no details.
    pub fn vertex_resource_exhausted() -> Self {
        ApiError::new(
            429,
            "RESOURCE_EXHAUSTED",
            "Resource exhausted. Please try again later. Please refer to \
             https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
        )
    }

    pub fn unavailable(retry_after_secs: Option<u64>) -> Self {
        ApiError {
            retry_after_secs,
            ..ApiError::new(
                503,
                "UNAVAILABLE",
                "The model is overloaded. Please try again later.",
            )
        }
    }

    pub fn internal() -> Self {
        ApiError::new(
            500,
            "INTERNAL",
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
        )
    }

    pub fn internal_message(message: impl Into<String>) -> Self {
        ApiError::new(500, "INTERNAL", message)
    }

    pub fn deadline_exceeded() -> Self {
        ApiError::new(
            504,
            "DEADLINE_EXCEEDED",
            "The request timed out. Please try again.",
        )
    }

    pub fn bad_gateway() -> Self {
        ApiError {
            html: true,
            ..ApiError::new(502, "", "Server Error")
        }
    }

    pub fn request_timeout() -> Self {
        ApiError {
            html: true,
            ..ApiError::new(408, "", "Request Timeout")
        }
    }

    pub fn payment_required() -> Self {
        ApiError::new(
            402,
            "FAILED_PRECONDITION",
            "Your prepaid credits are depleted. Please purchase more credits in AI Studio to continue.",
        )
    }

    pub fn permission_denied() -> Self {
        ApiError::new(
            403,
            "PERMISSION_DENIED",
            "The caller does not have permission",
        )
    }

    /// The error as a `google.rpc.Status` (numeric gRPC code), as a batch reports a
    /// request that failed.
    pub fn rpc_status(&self) -> Value {
        let code = match self.status {
            "INVALID_ARGUMENT" => 3,
            "DEADLINE_EXCEEDED" => 4,
            "NOT_FOUND" => 5,
            "PERMISSION_DENIED" => 7,
            "RESOURCE_EXHAUSTED" => 8,
            "FAILED_PRECONDITION" => 9,
            "UNAVAILABLE" => 14,
            "UNAUTHENTICATED" => 16,
            _ => 13,
        };
        let mut status = json!({"code": code, "message": self.message});
        if !self.details.is_empty() {
            status["details"] = Value::Array(self.details.clone());
        }
        status
    }

    pub fn body(&self) -> Value {
        let mut error = json!({"code": self.code, "message": self.message, "status": self.status});
        if !self.details.is_empty() {
            error["details"] = Value::Array(self.details.clone());
        }
        json!({"error": error})
    }
}

/// Protobuf JSON duration: whole seconds as `"19s"`, otherwise milliseconds precision.
pub fn format_proto_duration(seconds: f64) -> String {
    if seconds.fract() == 0.0 {
        format!("{seconds:.0}s")
    } else {
        format!("{seconds:.3}s")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = if self.html {
            let page = format!(
                "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error {code} ({message})!!1</title>\n  \
                 <p><b>{code}.</b> <ins>That’s an error.</ins>\n  <p>The server encountered a temporary error. \
                 <ins>That’s all we know.</ins>\n",
                code = self.code,
                message = self.message
            );
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
                page,
            )
                .into_response()
        } else {
            (status, axum::Json(self.body())).into_response()
        };
        if let Some(seconds) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
