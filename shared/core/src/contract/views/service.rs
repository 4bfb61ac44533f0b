//! Open answers about the service itself, and the quick presets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::LastExport;
use crate::presets::Preset;

/// `GET /api/v1/experiments/health`, with the old service's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceHealth {
    /// `healthy` when Redis answers and accepts writes, `degraded` otherwise.
    #[schema(inline)]
    pub status: HealthStatus,
    #[schema(inline)]
    pub service: ServiceName,
    /// Whether the server holds Datadog keys (`DD_API_KEY` and `DD_APP_KEY`), so
    /// final runs are exported to Datadog.
    pub datadog_configured: bool,
    /// How the most recent Datadog export went (absent before the first, or while
    /// Redis does not answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datadog_last_export: Option<LastExport>,
    /// Whether API keys are required.
    pub api_key_configured: bool,
    #[schema(inline)]
    pub redis: RedisState,
    /// Since when Redis has refused writes, as first seen by this process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_refusing_since: Option<DateTime<Utc>>,
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

/// The store's condition, as a write probe finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedisState {
    /// Answers reads and writes.
    Reachable,
    /// Answers reads and writes, slowly.
    Slow,
    /// Over `maxmemory` with `noeviction`: writes are refused.
    OutOfMemory,
    /// A replica, or a primary without its replicas' quorum: writes are refused.
    ReadOnly,
    /// Loading its data set after a restart.
    Loading,
    /// No answer.
    Unreachable,
}

/// `GET /api/v1/whoami`: the calling key's name and role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// The key's name; `null` when the server runs without authentication.
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(inline)]
    pub role: KeyRole,
}

/// What a key may do: `viewer` (GET routes), `runner` (also submit runs, and cancel
/// and retry its own), `admin` (everything: anyone's runs, schedules, datasets).
/// Ordered by what they allow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyRole {
    Viewer,
    Runner,
    Admin,
}

impl KeyRole {
    pub const ALL: [KeyRole; 3] = [KeyRole::Viewer, KeyRole::Runner, KeyRole::Admin];

    pub fn parse(text: &str) -> Option<KeyRole> {
        KeyRole::ALL.into_iter().find(|role| role.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyRole::Viewer => "viewer",
            KeyRole::Runner => "runner",
            KeyRole::Admin => "admin",
        }
    }
}

impl std::fmt::Display for KeyRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
