//! Error responses in Datadog's shapes: the API gateway's `{"errors": ["Forbidden"]}`
//! for authentication, rate limits and server errors, and LLM Observability's
//! `{"errors": [{"title": "Generic Error", "detail": …}]}` for invalid requests.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    /// Extra headers (the `X-RateLimit-*` family of a 429).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    fn gateway(status: StatusCode, message: &str) -> Self {
        let mut body = json!({"errors": [message]});
        if status == StatusCode::FORBIDDEN {
            // What the gateway adds to a refused key.
            body["status"] = json!("error");
            body["code"] = json!(403);
            body["statuspage"] = json!("http://status.datadoghq.com");
            body["twitter"] = json!("http://twitter.com/datadogops");
            body["email"] = json!("support@datadoghq.com");
        }
        ApiError {
            status,
            body,
            headers: Vec::new(),
        }
    }

    fn generic(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            body: json!({"errors": [{"title": "Generic Error", "detail": detail.into()}]}),
            headers: Vec::new(),
        }
    }

    /// 403: a missing or unknown `DD-API-KEY` / `DD-APPLICATION-KEY`.
    pub fn forbidden() -> Self {
        ApiError::gateway(StatusCode::FORBIDDEN, "Forbidden")
    }

    /// 401 of the introspection routes when an admin token is configured.
    pub fn unauthorized() -> Self {
        ApiError::gateway(StatusCode::UNAUTHORIZED, "Unauthorized")
    }

    /// 400 naming what is wrong.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::generic(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::generic(StatusCode::NOT_FOUND, detail)
    }

    pub fn route_not_found() -> Self {
        ApiError::gateway(StatusCode::NOT_FOUND, "Not found")
    }

    pub fn payload_too_large(size: usize, limit: usize) -> Self {
        ApiError::generic(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("payload of {size} bytes is over the limit of {limit} bytes"),
        )
    }

    pub fn unsupported_media_type(expected: &str, got: Option<&str>) -> Self {
        ApiError::generic(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type must be {expected}, got {}",
                got.unwrap_or("none")
            ),
        )
    }

    /// 429 with Datadog's rate-limit headers.
    pub fn rate_limited(reset_secs: u64) -> Self {
        ApiError {
            headers: vec![
                ("x-ratelimit-limit", "100".to_string()),
                ("x-ratelimit-period", "60".to_string()),
                ("x-ratelimit-remaining", "0".to_string()),
                ("x-ratelimit-reset", reset_secs.to_string()),
                ("x-ratelimit-name", "llm_obs_emulated".to_string()),
            ],
            ..ApiError::gateway(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
        }
    }

    /// An injected 5xx (or the outage's 503).
    pub fn server_error(status: StatusCode) -> Self {
        let message = status.canonical_reason().unwrap_or("Server Error");
        ApiError::gateway(status, message)
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError::generic(StatusCode::INTERNAL_SERVER_ERROR, detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

pub type ApiResult = Result<Response, ApiError>;
