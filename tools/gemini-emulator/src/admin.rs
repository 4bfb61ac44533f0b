//! The admin token of the `/_emulator/*` routes (settings with the emulator's API
//! keys, fault injection, reset): when `EMULATOR_ADMIN_TOKEN` is set, a request must
//! carry `Authorization: Bearer <token>`, else 401. Unset, the routes stay open, as
//! tests on loopback expect.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tally_core::contract::constant_time_eq;

pub async fn require_token(
    State(token): State<Arc<Option<String>>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(expected) = token.as_deref() {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        let allowed =
            presented.is_some_and(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()));
        if !allowed {
            let body = json!({"error": {"code": 401, "status": "UNAUTHENTICATED",
                "message": "the /_emulator routes need Authorization: Bearer <EMULATOR_ADMIN_TOKEN>"}});
            return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
        }
    }
    next.run(request).await
}
