//! Open routes about the process itself: the old service's health answer,
//! `/healthz` (the process is up), `/readyz` (Redis answers) and `/metrics`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /api/v1/experiments/health`, with the old service's fields.
#[derive(Debug, Serialize)]
pub struct ServiceHealth {
    /// `healthy` when Redis answers, `degraded` when it does not.
    pub status: &'static str,
    pub service: &'static str,
    /// Whether the server holds Datadog keys (`DD_API_KEY` and `DD_APP_KEY`), so
    /// final runs are exported to Datadog.
    pub datadog_configured: bool,
    /// Whether API keys are required.
    pub api_key_configured: bool,
    /// `ok` or `unreachable`.
    pub redis: &'static str,
    pub version: &'static str,
}

pub async fn service_health(State(state): State<AppState>) -> Json<ServiceHealth> {
    let redis_ok = ping(&state).await.is_ok();
    Json(ServiceHealth {
        status: if redis_ok { "healthy" } else { "degraded" },
        service: "experiments",
        datadog_configured: state.datadog_configured,
        api_key_configured: !state.api_keys.is_empty(),
        redis: if redis_ok { "ok" } else { "unreachable" },
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Debug, Serialize)]
pub struct Probe {
    pub status: &'static str,
}

pub async fn healthz() -> Json<Probe> {
    Json(Probe { status: "ok" })
}

pub async fn readyz(State(state): State<AppState>) -> Result<Json<Probe>, ApiError> {
    ping(&state).await?;
    Ok(Json(Probe { status: "ready" }))
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(&state.backend).await;
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn ping(state: &AppState) -> Result<(), ApiError> {
    let connected = state.backend.get().await?;
    connected.store.ping().await?;
    Ok(())
}
