//! The scheduler's settings, read from the environment once at start.
//!
//! | variable | default |
//! |---|---|
//! | `TALLY_REDIS_URL`, `TALLY_NAMESPACE` | see `tally_store::StoreSettings` |
//! | `TALLY_SCHEDULES_FILE` | unset: the built-in copy of `deploy/schedules.toml` |
//! | `TALLY_METRICS_LISTEN` | `0.0.0.0:9102` |
//! | `TALLY_CATCH_UP_WINDOW` | `6h` (at most `24h`; `0s` = never catch up) |
//! | `TALLY_SCHEDULER_TICK` | `5s` (1 s to 60 s) |
//! | `TALLY_PUBLIC_URL` | `http://localhost:8000` (links in alerts) |
//! | `TALLY_LOG_FORMAT` | `text` (or `json`) |
//! | `TALLY_WEBHOOK_ALLOW_PRIVATE` | `false` (webhooks to internal addresses are refused) |

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tally_core::run::PublicUrls;
use tally_core::schedule::{
    Schedule, SchedulesFileError, parse_schedules_file, read_schedules_file,
};
use tally_daemon::settings::{Environment, InvalidSetting};
use tally_daemon::telemetry::LogFormat;
use tally_store::{InvalidStoreSetting, StoreSettings};

use crate::scheduler::SchedulerConfig;

pub const SCHEDULES_FILE_ENV: &str = "TALLY_SCHEDULES_FILE";
pub const METRICS_LISTEN_ENV: &str = "TALLY_METRICS_LISTEN";
pub const CATCH_UP_WINDOW_ENV: &str = "TALLY_CATCH_UP_WINDOW";
pub const TICK_ENV: &str = "TALLY_SCHEDULER_TICK";
pub const PUBLIC_URL_ENV: &str = "TALLY_PUBLIC_URL";

pub const DEFAULT_METRICS_LISTEN: &str = "0.0.0.0:9102";
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:8000";
/// The schedules seeded when `TALLY_SCHEDULES_FILE` is unset.
const BUILT_IN_SCHEDULES: &str = include_str!("../../deploy/schedules.toml");
/// A slot's idempotency key lives 24 h; catching up a slot older than that could
/// create its run a second time after a crash, so the window stops there.
const MAX_CATCH_UP_WINDOW: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug)]
pub struct Settings {
    pub store: StoreSettings,
    pub schedules_file: Option<PathBuf>,
    pub metrics_listen: SocketAddr,
    pub public_urls: PublicUrls,
    pub scheduler: SchedulerConfig,
    pub log_format: LogFormat,
    /// `TALLY_WEBHOOK_ALLOW_PRIVATE`: webhooks may reach internal addresses.
    pub webhook_allow_private: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Store(#[from] InvalidStoreSetting),
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
}

impl Settings {
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_environment(&Environment::process())
    }

    /// Reads the settings from `env` (the process environment, or given pairs in tests).
    pub fn from_environment(env: &Environment) -> Result<Settings, SettingsError> {
        let env = env.clone().with_defaults(&[
            (METRICS_LISTEN_ENV, DEFAULT_METRICS_LISTEN),
            (PUBLIC_URL_ENV, DEFAULT_PUBLIC_URL),
        ]);
        let store = StoreSettings::from_lookup(env.lookup())?;
        let metrics_listen = env.get(METRICS_LISTEN_ENV).unwrap_or_default();
        let metrics_listen = metrics_listen.parse().map_err(|_| {
            InvalidSetting::new(
                METRICS_LISTEN_ENV,
                format!("{metrics_listen:?} is not an address like 0.0.0.0:9102"),
            )
        })?;
        let catch_up_window = match env.get(CATCH_UP_WINDOW_ENV) {
            None => SchedulerConfig::default().catch_up_window,
            Some(text) => parse_duration(
                CATCH_UP_WINDOW_ENV,
                &text,
                Duration::ZERO,
                MAX_CATCH_UP_WINDOW,
            )?,
        };
        let tick_interval = match env.get(TICK_ENV) {
            None => SchedulerConfig::default().tick_interval,
            Some(text) => parse_duration(
                TICK_ENV,
                &text,
                Duration::from_secs(1),
                Duration::from_secs(60),
            )?,
        };
        let public_url = env.get(PUBLIC_URL_ENV).unwrap_or_default();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(InvalidSetting::new(
                PUBLIC_URL_ENV,
                format!("{public_url:?} is not an http:// or https:// URL"),
            )
            .into());
        }
        Ok(Settings {
            store,
            schedules_file: env.get(SCHEDULES_FILE_ENV).map(PathBuf::from),
            metrics_listen,
            public_urls: PublicUrls::new(&public_url),
            scheduler: SchedulerConfig {
                catch_up_window,
                tick_interval,
                ..SchedulerConfig::default()
            },
            log_format: LogFormat::from_environment(&env)?,
            webhook_allow_private: tally_daemon::egress::allow_private_from(&env)?,
        })
    }

    /// The schedules to seed: the configured file, or the built-in default.
    pub fn schedules(&self) -> Result<Vec<Schedule>, SchedulesFileError> {
        match &self.schedules_file {
            Some(path) => read_schedules_file(path),
            None => parse_schedules_file("(built-in deploy/schedules.toml)", BUILT_IN_SCHEDULES),
        }
    }
}

/// `90s`, `30m`, `6h` (a whole number and a unit), between `min` and `max`.
fn parse_duration(
    name: &'static str,
    text: &str,
    min: Duration,
    max: Duration,
) -> Result<Duration, SettingsError> {
    let invalid = |message: String| SettingsError::from(InvalidSetting::new(name, message));
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let seconds_per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => {
            return Err(invalid(format!(
                "{text:?} is not a duration like 90s, 30m or 6h"
            )));
        }
    };
    let duration = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(seconds_per_unit))
        .map(Duration::from_secs)
        .ok_or_else(|| invalid(format!("{text:?} is not a duration like 90s, 30m or 6h")))?;
    if duration < min || duration > max {
        return Err(invalid(format!(
            "{text:?} must be between {}s and {}s",
            min.as_secs(),
            max.as_secs()
        )));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::from_environment(&Environment::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn defaults_seed_the_weekly_monitoring_schedule() {
        let settings = settings(&[]).unwrap();
        assert_eq!(
            settings.scheduler.catch_up_window,
            Duration::from_secs(6 * 3600)
        );
        assert_eq!(settings.metrics_listen.to_string(), DEFAULT_METRICS_LISTEN);
        let schedules = settings.schedules().unwrap();
        assert_eq!(schedules[0].name.as_str(), "weekly-monitoring");
    }

    #[test]
    fn durations_and_their_bounds() {
        let window = settings(&[(CATCH_UP_WINDOW_ENV, "90m")]).unwrap();
        assert_eq!(window.scheduler.catch_up_window, Duration::from_secs(5400));
        let err = settings(&[(CATCH_UP_WINDOW_ENV, "2d")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "TALLY_CATCH_UP_WINDOW: \"2d\" is not a duration like 90s, 30m or 6h"
        );
        let err = settings(&[(CATCH_UP_WINDOW_ENV, "25h")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be between 0s and 86400s"), "{err}");
        let err = settings(&[(TICK_ENV, "0s")]).unwrap_err().to_string();
        assert!(err.starts_with("TALLY_SCHEDULER_TICK: "), "{err}");
        let err = settings(&[(METRICS_LISTEN_ENV, "localhost")])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("TALLY_METRICS_LISTEN: "), "{err}");
    }

    #[test]
    fn a_missing_schedules_file_is_named() {
        let settings = settings(&[(SCHEDULES_FILE_ENV, "/nonexistent/s.toml")]).unwrap();
        let err = settings.schedules().unwrap_err().to_string();
        assert!(
            err.starts_with("/nonexistent/s.toml: cannot be read"),
            "{err}"
        );
    }
}
