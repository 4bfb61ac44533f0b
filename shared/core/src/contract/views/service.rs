//! Open answers about the service itself, and the quick presets.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::presets::Preset;

/// `GET /api/v1/experiments/health`, with the old service's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceHealth {
    /// `healthy` when Redis answers, `degraded` when it does not.
    #[schema(inline)]
    pub status: HealthStatus,
    #[schema(inline)]
    pub service: ServiceName,
    /// Whether the server holds a Datadog key of its own (it never does: a request
    /// may bring one).
    pub datadog_configured: bool,
    /// Whether API keys are required.
    pub api_key_configured: bool,
    #[schema(inline)]
    pub redis: RedisState,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Healthy,
    Degraded,
}

/// Always `experiments`, the old service's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceName {
    Experiments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RedisState {
    Ok,
    Unreachable,
}

/// `/healthz` (`ok`) and `/readyz` (`ready`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Probe {
    pub status: String,
}

/// `GET /api/v1/presets`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PresetList {
    pub presets: Vec<Preset>,
}
