//! Emulator settings: built-in defaults, overridden by environment variables. The
//! fault settings can also be changed at run time through `/_emulator/faults`.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use tally_daemon::settings::Environment;

/// Where the emulator listens unless `EMULATOR_LISTEN` says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8091";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmulatorConfig {
    /// Accepted `DD-API-KEY` values (`EMULATOR_API_KEYS`, comma-separated).
    pub api_keys: Vec<String>,
    /// Accepted `DD-APPLICATION-KEY` values (`EMULATOR_APP_KEYS`, comma-separated).
    pub app_keys: Vec<String>,
    /// When set, `/_emulator/*` needs `Authorization: Bearer <token>`
    /// (`EMULATOR_ADMIN_TOKEN`).
    pub admin_token: Option<String>,
    /// Dataset records per page when the request names no `page[limit]`
    /// (`EMULATOR_PAGE_SIZE`).
    pub page_size: usize,
    /// Largest span or evaluation intake payload, in bytes (`EMULATOR_INTAKE_MAX_BYTES`;
    /// Datadog: 5 MiB).
    pub intake_max_bytes: usize,
    /// Largest JSON body of the experiments/datasets API (`EMULATOR_API_MAX_BYTES`).
    pub api_max_bytes: usize,
    /// Largest CSV upload (`EMULATOR_UPLOAD_MAX_BYTES`).
    pub upload_max_bytes: usize,
    /// How far a span or metric timestamp may be from now, either way
    /// (`EMULATOR_TIMESTAMP_WINDOW_SECS`; Datadog: 24 hours).
    pub timestamp_window_secs: u64,
    /// Requests kept for `GET /_emulator/requests` (`EMULATOR_REQUEST_LOG`).
    pub request_log_capacity: usize,
    pub faults: FaultSettings,
}

/// Injected trouble, applied to every Datadog route (never to `/_emulator/*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSettings {
    /// Share of requests answered with `error_status` (`EMULATOR_ERROR_RATE`, 0–1).
    pub error_rate: f64,
    /// The 5xx status of `error_rate` faults (`EMULATOR_ERROR_STATUS`).
    pub error_status: u16,
    /// Share of requests answered 429 (`EMULATOR_RATE_LIMIT_RATE`, 0–1).
    pub rate_limit_rate: f64,
    /// `X-RateLimit-Reset` of injected 429s, in seconds (`EMULATOR_RATE_LIMIT_RESET_SECS`).
    pub rate_limit_reset_secs: u64,
    /// Added to every response (`EMULATOR_LATENCY_MS`).
    pub latency_ms: u64,
    /// Every Datadog route answers 503 (`EMULATOR_OUTAGE=true`); nothing is stored.
    pub outage: bool,
}

impl Default for FaultSettings {
    fn default() -> Self {
        FaultSettings {
            error_rate: 0.0,
            error_status: 503,
            rate_limit_rate: 0.0,
            rate_limit_reset_secs: 1,
            latency_ms: 0,
            outage: false,
        }
    }
}

impl FaultSettings {
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("rate_limit_rate", self.rate_limit_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name}: must be between 0 and 1, got {rate}"));
            }
        }
        if !(500..=599).contains(&self.error_status) {
            return Err(format!(
                "error_status: must be a 5xx status, got {}",
                self.error_status
            ));
        }
        Ok(())
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            api_keys: vec!["emulator-api-key".to_string()],
            app_keys: vec!["emulator-app-key".to_string()],
            admin_token: None,
            page_size: 100,
            intake_max_bytes: 5 * 1024 * 1024,
            api_max_bytes: 10 * 1024 * 1024,
            upload_max_bytes: 64 * 1024 * 1024,
            timestamp_window_secs: 24 * 60 * 60,
            request_log_capacity: 256,
            faults: FaultSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: String,
    pub message: String,
}

impl EmulatorConfig {
    /// The defaults with every `EMULATOR_*` variable of `env` that is set applied.
    pub fn from_environment(env: &Environment) -> Result<Self, ConfigError> {
        let var = |name: &str| env.non_blank(name);
        let mut config = EmulatorConfig::default();
        if let Some(keys) = var("EMULATOR_API_KEYS") {
            config.api_keys = split_list(&keys);
        }
        if let Some(keys) = var("EMULATOR_APP_KEYS") {
            config.app_keys = split_list(&keys);
        }
        config.admin_token = var("EMULATOR_ADMIN_TOKEN");
        let faults = &mut config.faults;
        parse_into(&var, "EMULATOR_PAGE_SIZE", &mut config.page_size)?;
        parse_into(
            &var,
            "EMULATOR_INTAKE_MAX_BYTES",
            &mut config.intake_max_bytes,
        )?;
        parse_into(&var, "EMULATOR_API_MAX_BYTES", &mut config.api_max_bytes)?;
        parse_into(
            &var,
            "EMULATOR_UPLOAD_MAX_BYTES",
            &mut config.upload_max_bytes,
        )?;
        parse_into(
            &var,
            "EMULATOR_TIMESTAMP_WINDOW_SECS",
            &mut config.timestamp_window_secs,
        )?;
        parse_into(
            &var,
            "EMULATOR_REQUEST_LOG",
            &mut config.request_log_capacity,
        )?;
        parse_into(&var, "EMULATOR_ERROR_RATE", &mut faults.error_rate)?;
        parse_into(&var, "EMULATOR_ERROR_STATUS", &mut faults.error_status)?;
        parse_into(
            &var,
            "EMULATOR_RATE_LIMIT_RATE",
            &mut faults.rate_limit_rate,
        )?;
        parse_into(
            &var,
            "EMULATOR_RATE_LIMIT_RESET_SECS",
            &mut faults.rate_limit_reset_secs,
        )?;
        parse_into(&var, "EMULATOR_LATENCY_MS", &mut faults.latency_ms)?;
        parse_into(&var, "EMULATOR_OUTAGE", &mut faults.outage)?;
        config.validate().map_err(|message| ConfigError {
            name: "settings".to_string(),
            message,
        })?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.api_keys.is_empty() {
            return Err("api_keys: at least one API key is needed".to_string());
        }
        if self.app_keys.is_empty() {
            return Err("app_keys: at least one application key is needed".to_string());
        }
        if self.page_size == 0 {
            return Err("page_size: must be at least 1".to_string());
        }
        self.faults.validate()
    }
}

/// Where the emulator listens (`EMULATOR_LISTEN`, default [`DEFAULT_LISTEN`]).
pub fn listen_address(env: &Environment) -> Result<SocketAddr, ConfigError> {
    let text = env
        .non_blank("EMULATOR_LISTEN")
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    text.parse().map_err(|_| ConfigError {
        name: "EMULATOR_LISTEN".to_string(),
        message: format!("expected host:port (e.g. {DEFAULT_LISTEN}), got \"{text}\""),
    })
}

fn parse_into<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    target: &mut T,
) -> Result<(), ConfigError> {
    if let Some(text) = var(name) {
        *target = text.trim().parse().map_err(|_| ConfigError {
            name: name.to_string(),
            message: format!("cannot parse \"{text}\""),
        })?;
    }
    Ok(())
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

    fn from(vars: &[(&str, &str)]) -> Result<EmulatorConfig, ConfigError> {
        EmulatorConfig::from_environment(&Environment::from_pairs(vars.iter().copied()))
    }

    #[test]
    fn environment_overrides_the_defaults() {
        let config = from(&[
            ("EMULATOR_API_KEYS", "a, b"),
            ("EMULATOR_APP_KEYS", "c"),
            ("EMULATOR_ADMIN_TOKEN", "secret"),
            ("EMULATOR_PAGE_SIZE", "2"),
            ("EMULATOR_ERROR_RATE", "0.5"),
            ("EMULATOR_OUTAGE", "true"),
        ])
        .unwrap();
        assert_eq!(config.api_keys, ["a", "b"]);
        assert_eq!(config.app_keys, ["c"]);
        assert_eq!(config.admin_token.as_deref(), Some("secret"));
        assert_eq!(config.page_size, 2);
        assert_eq!(config.faults.error_rate, 0.5);
        assert!(config.faults.outage);
        assert_eq!(config.intake_max_bytes, 5 * 1024 * 1024, "untouched");
    }

    #[test]
    fn bad_values_name_their_variable() {
        let error = from(&[("EMULATOR_LATENCY_MS", "soon")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "EMULATOR_LATENCY_MS: cannot parse \"soon\""
        );
        let error = from(&[("EMULATOR_ERROR_RATE", "2")]).unwrap_err();
        assert!(error.to_string().contains("error_rate"), "{error}");
        let error = from(&[("EMULATOR_ERROR_STATUS", "404")]).unwrap_err();
        assert!(error.to_string().contains("5xx"), "{error}");
    }
}
