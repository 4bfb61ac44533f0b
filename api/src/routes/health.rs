//! Open routes about the process itself: the old service's health answer,
//! `/healthz` (the process is up), `/readyz` (Redis answers) and `/metrics`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use tally_core::contract::views::{HealthStatus, Probe, RedisState, ServiceHealth, ServiceName};

use crate::error::ApiError;
use crate::state::AppState;

pub async fn service_health(State(state): State<AppState>) -> Json<ServiceHealth> {
    let redis_ok = ping(&state).await.is_ok();
    Json(ServiceHealth {
        status: if redis_ok {
            HealthStatus::Healthy
        } else {
            HealthStatus::Degraded
        },
        service: ServiceName::Experiments,
        datadog_configured: false,
        api_key_configured: !state.api_keys.is_empty(),
        redis: if redis_ok {
            RedisState::Ok
        } else {
            RedisState::Unreachable
        },
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

pub async fn healthz() -> Json<Probe> {
    Json(Probe {
        status: "ok".to_string(),
    })
}

pub async fn readyz(State(state): State<AppState>) -> Result<Json<Probe>, ApiError> {
    ping(&state).await?;
    Ok(Json(Probe {
        status: "ready".to_string(),
    }))
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    state.metrics.scrape(&state.backend).await
}

async fn ping(state: &AppState) -> Result<(), ApiError> {
    let connected = state.backend.get().await?;
    connected.store.ping().await?;
    Ok(())
}
