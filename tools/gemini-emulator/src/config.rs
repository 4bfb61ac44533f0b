//! Emulator settings: the built-in `emulator.toml`, a file merged over it
//! (`EMULATOR_CONFIG`), then environment variables.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tally_core::layered_toml::from_layers;
use tally_daemon::serve::LimitNames;
use tally_daemon::settings::Environment;

const BUILT_IN: &str = include_str!("../emulator.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmulatorConfig {
    pub image_tokens_per_page: u64,
    pub quota_window_ms: u64,
    pub token_lifetime_secs: u64,
    pub request_log_capacity: usize,
    pub hang_ms: u64,
    pub api_keys: Vec<String>,
    pub retired_models: Vec<String>,
    /// Folder of dataset folders whose records answer requests (`EMULATOR_DATASETS`).
    #[serde(default)]
    pub datasets: Option<PathBuf>,
    /// Service-account key files whose JWTs the token endpoint verifies
    /// (`EMULATOR_SERVICE_ACCOUNTS`); none = signatures are not checked.
    #[serde(default)]
    pub service_accounts: Vec<PathBuf>,
    /// Refuse every bearer token with 401 (a run-time switch for credential tests).
    #[serde(default)]
    pub reject_tokens: bool,
    pub models: BTreeMap<String, ModelProfile>,
    /// How batches (`batchGenerateContent`) progress.
    pub batch: BatchSettings,
}

/// A batch's life, fixed when it is created: pending for `pending_ms`, running for
/// `running_ms` (its requests finishing evenly), then succeeded — unless `expire_ms`
/// comes first, when it expires without results (Google: 48 h).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSettings {
    pub pending_ms: u64,
    pub running_ms: u64,
    pub expire_ms: u64,
    /// The state enum written on the wire: `batch` (`BATCH_STATE_*`, what the
    /// Developer API sends) or `job` (`JOB_STATE_*`, what SDKs and some samples show).
    pub state_names: StateNames,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateNames {
    Batch,
    Job,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelProfile {
    pub version: String,
    pub max_output_tokens: u32,
    /// Requests per quota window; none = unlimited.
    #[serde(default)]
    pub rpm: Option<u32>,
    /// Input tokens (`promptTokenCount`) per quota window; none = unlimited.
    #[serde(default)]
    pub tpm: Option<u64>,
    /// Requests per Pacific day; none = unlimited.
    #[serde(default)]
    pub rpd: Option<u64>,
    /// None = the model cannot think (thinkingConfig is a 400).
    #[serde(default)]
    pub thinking: Option<ThinkingRange>,
    pub latency: Latency,
    #[serde(default)]
    pub faults: FaultRates,
    #[serde(default)]
    pub errors: ErrorProfile,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThinkingRange {
    /// Smallest positive budget.
    pub min: i32,
    pub max: i32,
    /// Whether budget 0 (off) is accepted.
    pub can_disable: bool,
    /// Budget when the request names none (−1 = dynamic, 0 = off).
    pub default_budget: i32,
}

/// A latency distribution, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Latency {
    Fixed { ms: u64 },
    Uniform { min_ms: u64, max_ms: u64 },
    Lognormal { median_ms: f64, sigma: f64 },
}

/// Probability per request of each injected infrastructure fault.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRates {
    pub unavailable: f64,
    pub internal: f64,
    /// Vertex AI's bare shared-pool 429 ("contention mode").
    pub contention: f64,
    pub timeout: f64,
    pub reset: f64,
}

/// How often an answer deviates from the ground truth, per kind: per count field
/// (`digit_slip`), per report (`drop_vote_row`, `duplicate_vote_row`,
/// `wrong_header_field`) or per answer (`malformed_json`, `max_tokens`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ErrorProfile {
    pub digit_slip: f64,
    pub drop_vote_row: f64,
    pub duplicate_vote_row: f64,
    pub wrong_header_field: f64,
    pub malformed_json: f64,
    pub max_tokens: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Default for EmulatorConfig {
    /// The built-in settings (checked by a test, so parsing cannot fail at run time).
    fn default() -> Self {
        match EmulatorConfig::from_toml(BUILT_IN, None, "built-in emulator.toml") {
            Ok(config) => config,
            Err(error) => unreachable!("the built-in emulator.toml is tested: {error}"),
        }
    }
}

impl EmulatorConfig {
    /// Built-in settings with `overlay` (TOML text) merged over them.
    pub fn from_toml(base: &str, overlay: Option<&str>, origin: &str) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            origin: origin.to_string(),
            message,
        };
        let config: EmulatorConfig =
            from_layers(base, overlay).map_err(|e| invalid(e.to_string()))?;
        config.validate().map_err(invalid)?;
        Ok(config)
    }

    /// Reads `EMULATOR_CONFIG`, `EMULATOR_DATASETS`, `EMULATOR_API_KEYS`,
    /// `EMULATOR_SERVICE_ACCOUNTS` (see the README).
    pub fn from_environment(env: &Environment) -> Result<Self, ConfigError> {
        let var = |name: &str| env.non_blank(name);
        let mut config = match var("EMULATOR_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                EmulatorConfig::from_toml(BUILT_IN, Some(&text), &path)?
            }
            None => EmulatorConfig::default(),
        };
        if let Some(path) = var("EMULATOR_DATASETS") {
            config.datasets = Some(PathBuf::from(path));
        }
        if let Some(keys) = var("EMULATOR_API_KEYS") {
            config.api_keys = split_list(&keys);
        }
        if let Some(paths) = var("EMULATOR_SERVICE_ACCOUNTS") {
            config.service_accounts = split_list(&paths).into_iter().map(PathBuf::from).collect();
        }
        Ok(config)
    }

    /// Every model's latency set to a fixed value (tests, benchmarks).
    pub fn with_fixed_latency(mut self, ms: u64) -> Self {
        for profile in self.models.values_mut() {
            profile.latency = Latency::Fixed { ms };
        }
        self
    }

    pub fn validate(&self) -> Result<(), String> {
        for (name, profile) in &self.models {
            let rates = [
                ("faults.unavailable", profile.faults.unavailable),
                ("faults.internal", profile.faults.internal),
                ("faults.contention", profile.faults.contention),
                ("faults.timeout", profile.faults.timeout),
                ("faults.reset", profile.faults.reset),
                ("errors.digit_slip", profile.errors.digit_slip),
                ("errors.drop_vote_row", profile.errors.drop_vote_row),
                (
                    "errors.duplicate_vote_row",
                    profile.errors.duplicate_vote_row,
                ),
                (
                    "errors.wrong_header_field",
                    profile.errors.wrong_header_field,
                ),
                ("errors.malformed_json", profile.errors.malformed_json),
                ("errors.max_tokens", profile.errors.max_tokens),
            ];
            for (field, rate) in rates {
                if !(0.0..=1.0).contains(&rate) {
                    return Err(format!(
                        "models.\"{name}\".{field}: must be between 0 and 1, got {rate}"
                    ));
                }
            }
            profile
                .latency
                .validate()
                .map_err(|e| format!("models.\"{name}\".latency: {e}"))?;
            if profile.rpm == Some(0) {
                return Err(format!(
                    "models.\"{name}\".rpm: must be at least 1 (omit it for no limit)"
                ));
            }
            if profile.rpd == Some(0) {
                return Err(format!(
                    "models.\"{name}\".rpd: must be at least 1 (omit it for no limit)"
                ));
            }
            if profile.tpm == Some(0) {
                return Err(format!(
                    "models.\"{name}\".tpm: must be at least 1 (omit it for no limit)"
                ));
            }
        }
        if self.batch.expire_ms == 0 {
            return Err("batch.expire_ms: must be at least 1".to_string());
        }
        if self.quota_window_ms == 0 {
            return Err("quota_window_ms: must be at least 1".to_string());
        }
        Ok(())
    }
}

impl Latency {
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Latency::Fixed { .. } => Ok(()),
            Latency::Uniform { min_ms, max_ms } if min_ms > max_ms => {
                Err(format!("min_ms ({min_ms}) is above max_ms ({max_ms})"))
            }
            Latency::Uniform { .. } => Ok(()),
            Latency::Lognormal { median_ms, sigma } => {
                if median_ms.is_finite() && median_ms >= 0.0 && sigma.is_finite() && sigma >= 0.0 {
                    Ok(())
                } else {
                    Err("median_ms and sigma must be non-negative numbers".to_string())
                }
            }
        }
    }
}

/// The token `/_emulator/*` requests must carry (`Authorization: Bearer …`) when set.
pub const ADMIN_TOKEN_ENV: &str = "EMULATOR_ADMIN_TOKEN";

/// The settings of the emulator's limits on slow clients and open connections.
pub const CONNECTION_LIMIT_NAMES: LimitNames = LimitNames {
    header_read_timeout: "EMULATOR_HEADER_READ_TIMEOUT_SECONDS",
    body_read_timeout: "EMULATOR_BODY_READ_TIMEOUT_SECONDS",
    idle_timeout: "EMULATOR_IDLE_TIMEOUT_SECONDS",
    max_connections: "EMULATOR_MAX_CONNECTIONS",
};

/// Where the emulator listens (`EMULATOR_LISTEN`, default 127.0.0.1:8090).
pub fn listen_address(env: &Environment) -> Result<SocketAddr, ConfigError> {
    let text = env
        .get("EMULATOR_LISTEN")
        .unwrap_or_else(|| "127.0.0.1:8090".to_string());
    text.parse().map_err(|_| ConfigError::Invalid {
        origin: "EMULATOR_LISTEN".to_string(),
        message: format!("expected host:port (e.g. 127.0.0.1:8090), got \"{text}\""),
    })
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_settings_parse_and_rank_the_models() {
        let config = EmulatorConfig::from_toml(BUILT_IN, None, "built-in").unwrap();
        let flash = &config.models["gemini-2.5-flash"];
        assert_eq!(flash.thinking.unwrap().max, 24576);
        assert!(config.models["gemini-2.0-flash"].thinking.is_none());
        assert!(flash.errors.digit_slip < config.models["gemini-2.0-flash-lite"].errors.digit_slip);
    }

    #[test]
    fn an_overlay_changes_only_what_it_names() {
        let overlay = "[models.\"gemini-2.5-flash\"]\nrpm = 5\n[models.\"gemini-2.5-flash\".errors]\ndigit_slip = 0.5\n";
        let config = EmulatorConfig::from_toml(BUILT_IN, Some(overlay), "mine.toml").unwrap();
        let flash = &config.models["gemini-2.5-flash"];
        assert_eq!(flash.rpm, Some(5));
        assert_eq!(flash.errors.digit_slip, 0.5);
        assert_eq!(
            flash.errors.drop_vote_row, 0.02,
            "untouched values keep the built-in"
        );
        let bad = "[models.\"gemini-2.5-flash\".faults]\nreset = 2.0\n";
        let error = EmulatorConfig::from_toml(BUILT_IN, Some(bad), "mine.toml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "mine.toml: models.\"gemini-2.5-flash\".faults.reset: must be between 0 and 1, got 2"
        );
        let typo = "quota_windw_ms = 5\n";
        let error = EmulatorConfig::from_toml(BUILT_IN, Some(typo), "mine.toml").unwrap_err();
        assert!(
            error.to_string().contains("unknown field `quota_windw_ms`"),
            "{error}"
        );
    }
}
