//! Open routes about the process itself: the old service's health answer,
//! `/healthz` (the process is up), `/readyz` (Redis answers and accepts writes) and
//! `/metrics`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store_watch::Observed;

/// `GET /api/v1/experiments/health`, with the old service's fields.
#[derive(Debug, Serialize)]
pub struct ServiceHealth {
    /// `healthy` when Redis answers and accepts writes, `degraded` otherwise.
    pub status: &'static str,
    pub service: &'static str,
    /// Whether the server holds a Datadog key of its own (it never does: a request
    /// may bring one).
    pub datadog_configured: bool,
    /// Whether API keys are required.
    pub api_key_configured: bool,
    /// The store's condition: `reachable`, `slow`, `out_of_memory`, `read_only`,
    /// `loading` or `unreachable`.
    pub redis: &'static str,
    /// Since when Redis has refused writes, as first seen by this process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_refusing_since: Option<chrono::DateTime<chrono::Utc>>,
    pub version: &'static str,
}

pub async fn service_health(State(state): State<AppState>) -> Json<ServiceHealth> {
    let observed = observe(&state).await;
    let condition = observed.health.condition;
    Json(ServiceHealth {
        status: if condition.accepts_writes() {
            "healthy"
        } else {
            "degraded"
        },
        service: "experiments",
        datadog_configured: false,
        api_key_configured: !state.api_keys.is_empty(),
        redis: condition.as_str(),
        redis_refusing_since: observed.refusing_since,
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

/// Ready only while Redis accepts writes: a full or read-only Redis answers reads,
/// but every submission and import would fail.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Probe>, ApiError> {
    let observed = observe(&state).await;
    let condition = observed.health.condition;
    if !condition.accepts_writes() {
        return Err(ApiError::Unavailable {
            condition,
            cause: observed.health.detail.unwrap_or_default(),
        });
    }
    Ok(Json(Probe { status: "ready" }))
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    state
        .metrics
        .scrape(&state.backend, &state.store_watch)
        .await
}

/// The store's condition; unreachable when no connection could be made.
pub(crate) async fn observe(state: &AppState) -> Observed {
    match state.backend.get().await {
        Ok(connected) => state.store_watch.observe(&connected.store).await,
        Err(error) => state.store_watch.unreachable(error.to_string()),
    }
}
