//! Open routes about the process itself: the old service's health answer,
//! `/healthz` (the process is up), `/readyz` (Redis answers and accepts writes) and
//! `/metrics`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use tally_core::contract::views::{HealthStatus, Probe, ServiceHealth, ServiceName};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store_watch::{Observed, redis_state};

pub async fn service_health(State(state): State<AppState>) -> Json<ServiceHealth> {
    let observed = observe(&state).await;
    let condition = observed.health.condition;
    let datadog_last_export = match state.backend.get().await {
        Ok(connected) if condition.accepts_writes() => connected
            .store
            .last_export()
            .await
            .ok()
            .and_then(|record| crate::datadog_export_status::last_export(&record)),
        _ => None,
    };
    Json(ServiceHealth {
        status: if condition.accepts_writes() {
            HealthStatus::Healthy
        } else {
            HealthStatus::Degraded
        },
        service: ServiceName::Experiments,
        datadog_configured: state.datadog.credentials.is_some(),
        datadog_last_export,
        api_key_configured: !state.api_keys.is_empty(),
        redis: redis_state(condition),
        redis_refusing_since: observed.refusing_since,
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

pub async fn healthz() -> Json<Probe> {
    Json(Probe {
        status: "ok".to_string(),
    })
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
    Ok(Json(Probe {
        status: "ready".to_string(),
    }))
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
