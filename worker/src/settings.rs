//! Worker settings, from the environment (each is documented in the README).

use std::net::SocketAddr;
use std::time::Duration;

use tally_core::dataset::{DataDir, DataDirError};
use tally_core::run::PublicUrls;
use tally_daemon::settings::{Environment, InvalidSetting};
use tally_daemon::telemetry::LogFormat;
use tally_gemini::{ConfigError, GeminiConfig};
use tally_store::jobs::{DEFAULT_IDLE_POLL, QueueSettings};
use tally_store::submission::DEFAULT_MAX_CHUNK_SIZE;
use tally_store::{InvalidStoreSetting, StoreSettings};

use tally_ocr::OcrSettings;

use crate::limits::LimitSettings;
use crate::quotas::{Quotas, QuotasError};
use crate::response_cache::DEFAULT_CACHE_TTL;

pub struct WorkerSettings {
    pub store: StoreSettings,
    pub data_dir: DataDir,
    pub gemini: GeminiConfig,
    pub urls: PublicUrls,
    /// `TALLY_METRICS_LISTEN`; no metrics server when unset.
    pub metrics_listen: Option<SocketAddr>,
    /// `TALLY_WORKER_CHUNKS`: chunk jobs this worker runs at once (default
    /// `default_chunks`).
    pub concurrent_chunks: usize,
    /// `TALLY_SHUTDOWN_GRACE_SECS`: how long in-flight records may finish on SIGTERM.
    pub shutdown_grace: Duration,
    /// `TALLY_WORKER_NAME`: unique per process; default host-pid-random.
    pub name: String,
    /// `TALLY_HEARTBEAT_SECS`: liveness beat; a silent worker's jobs move to others
    /// after three missed beats. `TALLY_QUEUE_POLL_MS`: how often an idle worker
    /// looks for jobs nobody announced.
    pub queues: QueueSettings,
    /// `TALLY_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `TALLY_WORKER_MAX_IN_FLIGHT`, `TALLY_LEASE_SECS`.
    pub limits: LimitSettings,
    /// `TALLY_QUOTAS_FILE` merged over the built-in quotas.
    pub quotas: Quotas,
    /// `TALLY_RESULT_RETENTION_DAYS`: how long a final run's keys are kept.
    pub retention: Duration,
    /// `TALLY_TESSERACT`, `TALLY_OCR_TIMEOUT_SECS`, `TALLY_OCR_PROCESSES`: how the
    /// local OCR model runs.
    pub ocr: OcrSettings,
    /// `DD_API_KEY`, `DD_APP_KEY`, `DD_SITE`, `DD_LLMOBS_OVERRIDE_ORIGIN`: where final
    /// runs are exported (not at all without keys).
    pub datadog: tally_datadog::DatadogSettings,
    /// `TALLY_CACHE_TTL` (days): how long a cached model answer is kept.
    pub cache_ttl: Duration,
    /// `TALLY_SPEND_CAP_USD`: what all models together may cost per ten minutes.
    pub spend_cap_usd: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Store(#[from] InvalidStoreSetting),
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error("Gemini settings: {0}")]
    Gemini(#[from] ConfigError),
    #[error("TALLY_QUOTAS_FILE: {0}")]
    Quotas(#[from] QuotasError),
    #[error("Datadog settings: {0}")]
    Datadog(#[from] tally_datadog::SettingsError),
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
}

impl WorkerSettings {
    pub fn from_env() -> Result<WorkerSettings, SettingsError> {
        WorkerSettings::from_environment(&Environment::process())
    }

    /// Reads the settings from `env`; a blank variable counts as unset.
    pub fn from_environment(env: &Environment) -> Result<WorkerSettings, SettingsError> {
        let number = |name: &'static str, default: u64| -> Result<u64, SettingsError> {
            let value = env.parse_non_blank(name, |v| {
                v.trim()
                    .parse()
                    .map_err(|_| format!("expected a whole number, got \"{v}\""))
            })?;
            Ok(value.unwrap_or(default))
        };
        let metrics_listen = env.parse_non_blank("TALLY_METRICS_LISTEN", |v| {
            v.parse()
                .map_err(|_| format!("expected host:port, got \"{v}\""))
        })?;
        let defaults = LimitSettings::default();
        let limits = LimitSettings {
            max_in_flight: number("TALLY_WORKER_MAX_IN_FLIGHT", defaults.max_in_flight as u64)?
                .max(1) as usize,
            lease_ttl: Duration::from_secs(
                number("TALLY_LEASE_SECS", defaults.lease_ttl.as_secs())?.max(3),
            ),
        };
        let concurrent_chunks =
            number("TALLY_WORKER_CHUNKS", default_chunks(limits.max_in_flight))?.max(1) as usize;
        let quotas = match env.non_blank("TALLY_QUOTAS_FILE") {
            Some(path) => Quotas::load(std::path::Path::new(&path))?,
            None => Quotas::default(),
        };
        let retention_days = number("TALLY_RESULT_RETENTION_DAYS", 90)?;
        if retention_days == 0 || retention_days > 36_500 {
            return Err(InvalidSetting::new(
                "TALLY_RESULT_RETENTION_DAYS",
                format!("expected 1 to 36500 days, got {retention_days}"),
            )
            .into());
        }
        let ocr_defaults = OcrSettings::default();
        let ocr = OcrSettings {
            program: env
                .non_blank("TALLY_TESSERACT")
                .map_or(ocr_defaults.program, Into::into),
            timeout: Duration::from_secs(
                number("TALLY_OCR_TIMEOUT_SECS", ocr_defaults.timeout.as_secs())?.max(1),
            ),
            processes: number("TALLY_OCR_PROCESSES", ocr_defaults.processes as u64)?.max(1)
                as usize,
        };
        let cache_days = number("TALLY_CACHE_TTL", DEFAULT_CACHE_TTL.as_secs() / 86_400)?;
        if cache_days == 0 || cache_days > 3_650 {
            return Err(InvalidSetting::new(
                "TALLY_CACHE_TTL",
                format!("expected 1 to 3650 days, got {cache_days}"),
            )
            .into());
        }
        let spend_cap_usd = env.parse_non_blank("TALLY_SPEND_CAP_USD", |v| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|usd| usd.is_finite() && *usd > 0.0)
                .ok_or_else(|| format!("expected a positive amount of US dollars, got \"{v}\""))
        })?;
        Ok(WorkerSettings {
            spend_cap_usd,
            ocr,
            limits,
            cache_ttl: Duration::from_secs(cache_days * 86_400),
            quotas,
            retention: Duration::from_secs(retention_days * 86_400),
            datadog: tally_datadog::DatadogSettings::from_lookup(env.lookup())?,
            store: StoreSettings::from_lookup(env.lookup())?,
            data_dir: DataDir::from_lookup(env.lookup())?,
            gemini: GeminiConfig::from_lookup(env.lookup())?,
            urls: PublicUrls::new(
                &env.non_blank("TALLY_PUBLIC_URL")
                    .unwrap_or_else(|| "http://localhost:8000".to_string()),
            ),
            metrics_listen,
            concurrent_chunks,
            shutdown_grace: Duration::from_secs(number("TALLY_SHUTDOWN_GRACE_SECS", 30)?),
            name: env
                .non_blank("TALLY_WORKER_NAME")
                .unwrap_or_else(default_worker_name),
            log_format: LogFormat::from_environment(env)?,
            queues: QueueSettings {
                heartbeat_interval: Duration::from_secs(
                    number(
                        "TALLY_HEARTBEAT_SECS",
                        QueueSettings::default().heartbeat_interval.as_secs(),
                    )?
                    .max(1),
                ),
                idle_poll: Duration::from_millis(
                    number("TALLY_QUEUE_POLL_MS", DEFAULT_IDLE_POLL.as_millis() as u64)?.max(10),
                ),
                ..QueueSettings::default()
            },
        })
    }
}

/// Host, pid and a random suffix: a restarted worker never reuses a live name, which
/// apalis-redis would refuse and which would defeat its orphan recovery.
pub fn default_worker_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_string());
    format!(
        "{host}-{}-{:06x}",
        std::process::id(),
        rand::random::<u32>() & 0xff_ffff
    )
}

/// Chunk jobs held at once by default: twice the full chunks the in-flight limit
/// takes (16 for 200 calls). The second half's records wait for slots, so a
/// finishing chunk's slots are taken at once rather than after the next fetch; with
/// fewer spare records, slots idled about 0.5 % more at 1,000 ms (BENCHMARKS.md).
pub fn default_chunks(max_in_flight: usize) -> u64 {
    2 * (max_in_flight as u64).div_ceil(DEFAULT_MAX_CHUNK_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<WorkerSettings, SettingsError> {
        let base = [("GEMINI_API_KEY", "k"), ("TALLY_DATA_DIR", ".")];
        WorkerSettings::from_environment(&Environment::from_pairs(
            base.iter().chain(pairs).map(|(k, v)| (*k, *v)),
        ))
    }

    #[test]
    fn the_spend_cap_is_a_positive_amount_of_dollars() {
        assert_eq!(with(&[]).unwrap().spend_cap_usd, None);
        let settings = with(&[("TALLY_SPEND_CAP_USD", "12.5")]).unwrap();
        assert_eq!(settings.spend_cap_usd, Some(12.5));
        for bad in ["0", "-3", "ten", "NaN"] {
            let error = with(&[("TALLY_SPEND_CAP_USD", bad)]).err().unwrap();
            assert!(
                error.to_string().contains("TALLY_SPEND_CAP_USD"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn workers_hold_twice_the_chunks_their_calls_take_unless_told() {
        assert_eq!(with(&[]).unwrap().concurrent_chunks, 16);
        let fewer_calls = with(&[("TALLY_WORKER_MAX_IN_FLIGHT", "100")]).unwrap();
        assert_eq!(fewer_calls.concurrent_chunks, 8);
        let told = [
            ("TALLY_WORKER_MAX_IN_FLIGHT", "100"),
            ("TALLY_WORKER_CHUNKS", "3"),
        ];
        assert_eq!(with(&told).unwrap().concurrent_chunks, 3);
    }
}
