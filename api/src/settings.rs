//! The API's settings, read from the environment in one place (every variable is in
//! the README's settings table). Secrets (`TALLY_API_KEYS`, the Redis URL's password)
//! are held in redacting types and never printed, not even in a settings error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tally_core::contract::Secret;
use tally_core::dataset::{DATA_DIR_ENV, MAX_IMAGE_BYTES};
use tally_daemon::serve::{ConnectionLimits, LimitNames};
use tally_daemon::settings::{Environment, InvalidSetting};
pub use tally_daemon::telemetry::{LOG_FORMAT_ENV, LogFormat};
use tally_store::{InvalidStoreSetting, StoreSettings};

use crate::roles::Role;
use crate::upload::{
    MAX_ARCHIVE_BYTES_ENV, MAX_FILE_BYTES_ENV, MAX_FILES_ENV, MAX_IMAGE_BYTES_ENV,
    MAX_UNPACKED_BYTES_ENV, UploadLimits,
};

pub const LISTEN_ENV: &str = "TALLY_LISTEN";
pub const API_KEYS_ENV: &str = "TALLY_API_KEYS";
pub const ALLOW_NO_AUTH_ENV: &str = "TALLY_ALLOW_NO_AUTH";
pub const PUBLIC_URL_ENV: &str = "TALLY_PUBLIC_URL";
pub const BODY_LIMIT_ENV: &str = "TALLY_BODY_LIMIT_BYTES";
pub const RUN_MAX_WAIT_ENV: &str = "TALLY_RUN_MAX_WAIT_SECONDS";
pub const LABEL_LEASE_ENV: &str = "TALLY_LABEL_LEASE_SECONDS";
pub const STATUS_CACHE_ENV: &str = "TALLY_STATUS_CACHE_MS";
/// The settings of the limits on slow clients and open connections.
pub const CONNECTION_LIMIT_NAMES: LimitNames = LimitNames {
    header_read_timeout: "TALLY_HEADER_READ_TIMEOUT_SECONDS",
    body_read_timeout: "TALLY_BODY_READ_TIMEOUT_SECONDS",
    idle_timeout: "TALLY_IDLE_TIMEOUT_SECONDS",
    max_connections: "TALLY_MAX_CONNECTIONS",
};

const DEFAULT_LISTEN: &str = "0.0.0.0:8000";
const DEFAULT_DATA_DIR: &str = "./datasets";
/// Requests are a few kilobytes; a megabyte leaves room for 50 configurations with
/// generous metadata.
const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
const DEFAULT_RUN_MAX_WAIT: Duration = Duration::from_secs(300);
/// Ten minutes: long enough to label a unit's forms, short enough that a record
/// left open by someone who walked away is soon handed out again.
const DEFAULT_LABEL_LEASE: Duration = Duration::from_secs(600);
/// A quarter of a second: what no notice announces (progress between two of a
/// large experiment's notices, a stall) shows that late at most.
const DEFAULT_STATUS_CACHE: Duration = Duration::from_millis(250);
/// Shorter keys are too easy to guess.
const MIN_KEY_LENGTH: usize = 16;

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub store: StoreSettings,
    pub api_keys: ApiKeys,
    pub data_dir: PathBuf,
    /// Base of every URL the API hands out; `None` = derived from the bound address.
    pub public_url: Option<String>,
    pub body_limit_bytes: usize,
    /// `TALLY_UPLOAD_MAX_*`: how much one dataset upload may hold.
    pub upload: UploadLimits,
    /// The longest `POST /run` waits before answering 202.
    pub run_max_wait: Duration,
    /// How long a labeller holds a record handed out by `…/next`.
    pub label_lease: Duration,
    /// `TALLY_STATUS_CACHE_MS`: the oldest cached run status served (zero: none).
    pub status_cache_max_age: Duration,
    pub log_format: LogFormat,
    /// `DD_API_KEY`, `DD_APP_KEY`, `DD_SITE`, `DD_LLMOBS_OVERRIDE_ORIGIN`: the API only
    /// reports whether keys are set (workers export).
    pub datadog: tally_datadog::DatadogSettings,
    /// Timeouts for slow clients and the cap on open connections.
    pub connection_limits: ConnectionLimits,
    /// `TALLY_WEBHOOK_ALLOW_PRIVATE`: schedules' webhooks may point at internal
    /// addresses (loopback, private, link-local, Redis's port).
    pub webhook_allow_private: bool,
    /// `GEMINI_BACKEND=vertex` (the workers' backend): batch execution is refused,
    /// as Vertex AI batch prediction needs Cloud Storage or BigQuery.
    pub vertex_backend: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
    #[error(transparent)]
    Store(#[from] InvalidStoreSetting),
}

fn invalid(name: &'static str, message: impl Into<String>) -> SettingsError {
    InvalidSetting::new(name, message).into()
}

impl Settings {
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_environment(&Environment::process())
    }

    /// Reads the settings from `env` (the process environment, or given pairs in tests).
    pub fn from_environment(env: &Environment) -> Result<Settings, SettingsError> {
        let env = env.clone().with_defaults(&[
            (LISTEN_ENV, DEFAULT_LISTEN),
            (DATA_DIR_ENV, DEFAULT_DATA_DIR),
        ]);
        let listen_text = env.get(LISTEN_ENV).unwrap_or_default();
        let listen = listen_text.parse().map_err(|_| {
            invalid(
                LISTEN_ENV,
                format!("{listen_text:?} is not an address like 0.0.0.0:8000"),
            )
        })?;
        let allow_no_auth = match env.get(ALLOW_NO_AUTH_ENV).as_deref() {
            None | Some("" | "0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(invalid(
                    ALLOW_NO_AUTH_ENV,
                    format!("must be true or false, got {other:?}"),
                ));
            }
        };
        let api_keys = ApiKeys::parse(env.get(API_KEYS_ENV).as_deref().unwrap_or(""))?;
        if api_keys.is_empty() && !allow_no_auth {
            return Err(invalid(
                API_KEYS_ENV,
                format!(
                    "no API key configured; set name:key pairs, or {ALLOW_NO_AUTH_ENV}=true to run without authentication"
                ),
            ));
        }
        let public_url = env
            .get(PUBLIC_URL_ENV)
            .map(|url| {
                if url.starts_with("http://") || url.starts_with("https://") {
                    Ok(url)
                } else {
                    Err(invalid(
                        PUBLIC_URL_ENV,
                        format!("{url:?} is not an http:// or https:// URL"),
                    ))
                }
            })
            .transpose()?;
        Ok(Settings {
            listen,
            store: StoreSettings::from_lookup(env.lookup())?,
            api_keys,
            data_dir: PathBuf::from(env.get(DATA_DIR_ENV).unwrap_or_default()),
            public_url,
            body_limit_bytes: positive(&env, BODY_LIMIT_ENV, DEFAULT_BODY_LIMIT as u64)? as usize,
            upload: upload_limits(&env)?,
            run_max_wait: Duration::from_secs(positive(
                &env,
                RUN_MAX_WAIT_ENV,
                DEFAULT_RUN_MAX_WAIT.as_secs(),
            )?),
            label_lease: Duration::from_secs(positive(
                &env,
                LABEL_LEASE_ENV,
                DEFAULT_LABEL_LEASE.as_secs(),
            )?),
            status_cache_max_age: Duration::from_millis(whole(
                &env,
                STATUS_CACHE_ENV,
                DEFAULT_STATUS_CACHE.as_millis() as u64,
            )?),
            log_format: LogFormat::from_environment(&env)?,
            datadog: tally_datadog::DatadogSettings::from_lookup(env.lookup()).map_err(
                |tally_datadog::SettingsError::Invalid { name, message }| invalid(name, message),
            )?,
            connection_limits: ConnectionLimits::from_environment(&env, &CONNECTION_LIMIT_NAMES)?,
            webhook_allow_private: tally_daemon::egress::allow_private_from(&env)?,
            vertex_backend: env
                .get("GEMINI_BACKEND")
                .is_some_and(|backend| backend.trim().eq_ignore_ascii_case("vertex")),
        })
    }
}

fn upload_limits(env: &Environment) -> Result<UploadLimits, SettingsError> {
    let defaults = UploadLimits::default();
    let image_bytes = positive(env, MAX_IMAGE_BYTES_ENV, defaults.image_bytes)?;
    if image_bytes > MAX_IMAGE_BYTES {
        return Err(invalid(
            MAX_IMAGE_BYTES_ENV,
            format!("must be at most {MAX_IMAGE_BYTES}, the largest page image a dataset may hold"),
        ));
    }
    Ok(UploadLimits {
        archive_bytes: positive(env, MAX_ARCHIVE_BYTES_ENV, defaults.archive_bytes)?,
        unpacked_bytes: positive(env, MAX_UNPACKED_BYTES_ENV, defaults.unpacked_bytes)?,
        files: positive(env, MAX_FILES_ENV, defaults.files)?,
        file_bytes: positive(env, MAX_FILE_BYTES_ENV, defaults.file_bytes)?,
        image_bytes,
    })
}

fn positive(env: &Environment, name: &'static str, default: u64) -> Result<u64, SettingsError> {
    match env.get(name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(value) if value > 0 => Ok(value),
            _ => Err(invalid(
                name,
                format!("must be a positive integer, got {text:?}"),
            )),
        },
    }
}

/// Like `positive`, zero included.
fn whole(env: &Environment, name: &'static str, default: u64) -> Result<u64, SettingsError> {
    match env.get(name) {
        None => Ok(default),
        Some(text) => text.trim().parse::<u64>().map_err(|_| {
            invalid(
                name,
                format!("must be a whole number of milliseconds, got {text:?}"),
            )
        }),
    }
}

/// The named API keys clients present in `X-API-Key` (`TALLY_API_KEYS` =
/// `name:key,name2:key2:viewer`). A key's name is recorded on the runs it submits and
/// scopes its idempotency keys; the key itself is a `Secret`. An entry may end in a
/// role (`:viewer`, `:runner`, `:admin`); without one the key is `admin`.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys(Vec<(String, Secret)>, Vec<(String, Role)>);

impl ApiKeys {
    pub fn parse(text: &str) -> Result<ApiKeys, SettingsError> {
        let mut keys: Vec<(String, Secret)> = Vec::new();
        let mut roles: Vec<(String, Role)> = Vec::new();
        for (position, pair) in text.split(',').map(str::trim).enumerate() {
            if pair.is_empty() {
                continue;
            }
            let entry = position + 1;
            // The message never quotes the pair: it holds the key.
            let Some((name, rest)) = pair.split_once(':') else {
                return Err(invalid(
                    API_KEYS_ENV,
                    format!("entry {entry} is not name:key"),
                ));
            };
            // A trailing `:viewer`, `:runner` or `:admin` is the role; otherwise the
            // whole rest is the key (keys may hold ':').
            let (key, role) = rest
                .rsplit_once(':')
                .and_then(|(key, role)| Some((key, Role::parse(role.trim())?)))
                .unwrap_or((rest, Role::Admin));
            let name = name.trim();
            if name.is_empty()
                || name.len() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return Err(invalid(
                    API_KEYS_ENV,
                    format!(
                        "entry {entry}: the name must be 1-64 ASCII letters, digits, '-', '_' or '.'"
                    ),
                ));
            }
            if key.len() < MIN_KEY_LENGTH {
                return Err(invalid(
                    API_KEYS_ENV,
                    format!(
                        "entry {entry} ({name}): the key must be at least {MIN_KEY_LENGTH} characters"
                    ),
                ));
            }
            if keys.iter().any(|(known, _)| known == name) {
                return Err(invalid(
                    API_KEYS_ENV,
                    format!("entry {entry}: the name {name} is used twice"),
                ));
            }
            keys.push((name.to_string(), Secret::new(key)));
            roles.push((name.to_string(), role));
        }
        Ok(ApiKeys(keys, roles))
    }

    /// One key, for tests and embedding.
    pub fn single(name: &str, key: &str) -> ApiKeys {
        ApiKeys::with_roles(&[(name, key, Role::Admin)])
    }

    /// Keys with their roles, for tests and embedding.
    pub fn with_roles(entries: &[(&str, &str, Role)]) -> ApiKeys {
        ApiKeys(
            entries
                .iter()
                .map(|(name, key, _)| (name.to_string(), Secret::new(*key)))
                .collect(),
            entries
                .iter()
                .map(|(name, _, role)| (name.to_string(), *role))
                .collect(),
        )
    }

    /// The role of the key named `name` (names are unique).
    pub fn role_of(&self, name: &str) -> Role {
        self.1
            .iter()
            .find(|(known, _)| known == name)
            .map_or(Role::Viewer, |(_, role)| *role)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The name of the key that matches `presented`. Every configured key is compared
    /// (in constant time each), so timing does not tell which one came close.
    pub fn identify(&self, presented: &str) -> Option<&str> {
        self.0.iter().fold(None, |found, (name, key)| {
            if key.matches(presented) {
                Some(name.as_str())
            } else {
                found
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_may_end_in_a_role_and_defaults_to_admin() {
        let keys =
            ApiKeys::parse("ci:ci-key-0123456789abcdef,dash:dash-key-0123456789:abc:viewer,bot:bot-key-0123456789abcdef:runner")
                .unwrap();
        assert_eq!(keys.identify("ci-key-0123456789abcdef"), Some("ci"));
        assert_eq!(keys.role_of("ci"), Role::Admin);
        assert_eq!(keys.identify("dash-key-0123456789:abc"), Some("dash"));
        assert_eq!(keys.role_of("dash"), Role::Viewer);
        assert_eq!(keys.role_of("bot"), Role::Runner);
        // The old names are no roles: the whole rest is the key, with full access.
        let keys = ApiKeys::parse("old:old-key-0123456789abcdef:read").unwrap();
        assert_eq!(keys.identify("old-key-0123456789abcdef:read"), Some("old"));
        assert_eq!(keys.role_of("old"), Role::Admin);
    }

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::from_environment(&Environment::from_pairs(vars.iter().copied()))
    }

    #[test]
    fn defaults_apply_with_a_key() {
        let s = settings(&[(API_KEYS_ENV, "ci:0123456789abcdef")]).unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:8000");
        assert_eq!(s.body_limit_bytes, 1024 * 1024);
        assert_eq!(s.run_max_wait, Duration::from_secs(300));
        assert_eq!(s.status_cache_max_age, Duration::from_millis(250));
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.public_url, None);
        assert_eq!(s.api_keys.identify("0123456789abcdef"), Some("ci"));
        assert_eq!(s.api_keys.identify("0123456789abcdeX"), None);
    }

    #[test]
    fn refuses_to_start_without_keys_unless_told() {
        let err = settings(&[]).unwrap_err();
        assert!(
            err.to_string().starts_with("TALLY_API_KEYS: no API key"),
            "{err}"
        );
        let open = settings(&[(ALLOW_NO_AUTH_ENV, "true")]).unwrap();
        assert!(open.api_keys.is_empty());
    }

    #[test]
    fn key_errors_never_quote_the_key() {
        for (text, expected) in [
            ("ci=0123456789abcdef-secret", "entry 1 is not name:key"),
            (
                "ci:short-secret",
                "entry 1 (ci): the key must be at least 16",
            ),
            (
                "a:0123456789abcdef-secret,a:0123456789abcdef-secret",
                "entry 2: the name a is used twice",
            ),
            ("b c:0123456789abcdef-secret", "entry 1: the name must be"),
        ] {
            let err = ApiKeys::parse(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
        let keys = ApiKeys::parse(" a:0123456789abcdef1 , b:0123456789abcdef2 ,").unwrap();
        assert_eq!(keys.identify("0123456789abcdef2"), Some("b"));
        assert!(!format!("{keys:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [
            (LISTEN_ENV, "nowhere"),
            (BODY_LIMIT_ENV, "0"),
            (RUN_MAX_WAIT_ENV, "soon"),
            (STATUS_CACHE_ENV, "-1"),
            (LOG_FORMAT_ENV, "xml"),
            (PUBLIC_URL_ENV, "example.org"),
            (ALLOW_NO_AUTH_ENV, "maybe"),
        ] {
            let err = settings(&[(API_KEYS_ENV, "ci:0123456789abcdef"), (name, value)])
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(name), "{err}");
        }
    }
}
