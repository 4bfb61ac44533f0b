//! Open routes about the process itself: the old service's health answer,
//! `/healthz` (the process is up), `/readyz` (Redis answers) and `/metrics`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /api/v1/experiments/health`, with the old service's fields.
#[derive(Debug, Serialize)]
pub struct ServiceHealth {
    /// `healthy` when Redis answers, `degraded` when it does not.
    pub status: &'static str,
    pub service: &'static str,
    /// Whether the server holds a Datadog key of its own (it never does: a request
    /// may bring one).
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
        datadog_configured: false,
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
    state.metrics.scrape(&state.backend).await
}

async fn ping(state: &AppState) -> Result<(), ApiError> {
    let connected = state.backend.get().await?;
    connected.store.ping().await?;
    Ok(())
}
