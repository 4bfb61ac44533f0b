//! Logging setup shared by every binary: `tracing` to stderr, human-readable or JSON
//! lines (`TALLY_LOG_FORMAT=text|json`), filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

use crate::settings::{Environment, InvalidSetting};

/// The setting that chooses the log format.
pub const LOG_FORMAT_ENV: &str = "TALLY_LOG_FORMAT";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// `TALLY_LOG_FORMAT`; unset or empty is `text`.
    pub fn from_environment(env: &Environment) -> Result<LogFormat, InvalidSetting> {
        match env.get(LOG_FORMAT_ENV).as_deref().map(str::trim) {
            None | Some("" | "text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(InvalidSetting::new(
                LOG_FORMAT_ENV,
                format!("must be text or json, got {other:?}"),
            )),
        }
    }
}

/// Installs the global subscriber; a second call (tests) leaves the first in place.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _already_set = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
