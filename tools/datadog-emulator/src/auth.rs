//! Credentials, checked as Datadog does before anything else: the experiments and
//! datasets API needs a known `DD-API-KEY` and `DD-APPLICATION-KEY`, the intakes a
//! known `DD-API-KEY`; otherwise 403 with the gateway's body. Introspection needs
//! `Authorization: Bearer <EMULATOR_ADMIN_TOKEN>` when a token is configured.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn known(value: Option<&str>, accepted: &[String]) -> bool {
    value.is_some_and(|v| accepted.iter().any(|a| a == v))
}

/// The experiments and datasets API: API key and application key.
pub async fn api_and_app_key(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    if !known(header(headers, "dd-api-key"), &state.config.api_keys)
        || !known(
            header(headers, "dd-application-key"),
            &state.config.app_keys,
        )
    {
        return ApiError::forbidden().into_response();
    }
    next.run(request).await
}

/// The span and evaluation intakes: API key only.
pub async fn api_key(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if !known(
        header(request.headers(), "dd-api-key"),
        &state.config.api_keys,
    ) {
        return ApiError::forbidden().into_response();
    }
    next.run(request).await
}

/// `/_emulator/*`, when `EMULATOR_ADMIN_TOKEN` is set.
pub async fn admin_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &state.config.admin_token {
        let given =
            header(request.headers(), "authorization").and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return ApiError::unauthorized().into_response();
        }
    }
    next.run(request).await
}
