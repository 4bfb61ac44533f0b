//! Client configuration, read from the environment (every variable is documented in
//! the README, section "Gemini settings").

use std::path::PathBuf;
use std::time::Duration;

use super::pricing::{PriceTable, PriceTableError};
use super::retry::RetryPolicy;
use tally_core::contract::Secret;

/// Which Gemini service to call, with its credentials.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// Gemini Developer API, authenticated by `x-goog-api-key`.
    Developer { api_key: Secret },
    /// Vertex AI, authenticated by an OAuth access token.
    Vertex {
        project: String,
        location: String,
        credentials: VertexCredentials,
    },
}

/// Where Vertex access tokens come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VertexCredentials {
    /// A credentials file: a service-account JSON key (RS256 JWT exchanged at its
    /// `token_uri`) or gcloud's `authorized_user` (refresh-token grant).
    ServiceAccountKey(PathBuf),
    /// The GCE metadata server at `host` (`metadata.google.internal` or
    /// `GCE_METADATA_HOST`).
    MetadataServer { host: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct GeminiConfig {
    pub backend: Backend,
    /// Scheme + host (+ port) of the service; `None` = Google's public endpoint.
    pub base_url: Option<String>,
    /// `v1beta` (Developer) / `v1` (Vertex) unless set.
    pub api_version: Option<String>,
    pub retry: RetryPolicy,
    /// Limit for one HTTP attempt (thinking models can take minutes).
    pub request_timeout: Duration,
    pub prices: PriceTable,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
    #[error("{name} is required {when}")]
    Missing {
        name: &'static str,
        when: &'static str,
    },
    #[error(transparent)]
    Prices(#[from] PriceTableError),
    #[error("Vertex AI credentials: {0}")]
    Credentials(String),
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
}

impl GeminiConfig {
    /// A Developer API configuration with defaults (tests, tools).
    pub fn developer(api_key: Secret) -> Self {
        GeminiConfig {
            backend: Backend::Developer { api_key },
            base_url: None,
            api_version: None,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(180),
            prices: PriceTable::default(),
        }
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        GeminiConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let backend = match get("GEMINI_BACKEND").as_deref().unwrap_or("developer") {
            "developer" => Backend::Developer {
                api_key: Secret::new(get("GEMINI_API_KEY").ok_or(ConfigError::Missing {
                    name: "GEMINI_API_KEY",
                    when: "when GEMINI_BACKEND is developer (the default)",
                })?),
            },
            "vertex" => Backend::Vertex {
                project: get("GOOGLE_CLOUD_PROJECT").ok_or(ConfigError::Missing {
                    name: "GOOGLE_CLOUD_PROJECT",
                    when: "when GEMINI_BACKEND is vertex",
                })?,
                // VERTEX_AI_LOCATION is the seed's name for the same setting.
                location: get("GOOGLE_CLOUD_LOCATION")
                    .or_else(|| get("VERTEX_AI_LOCATION"))
                    .unwrap_or_else(|| "global".to_string()),
                // Application Default Credentials, in Google's order: the named
                // file, gcloud's well-known file, the metadata server.
                credentials: match get("GOOGLE_APPLICATION_CREDENTIALS")
                    .map(PathBuf::from)
                    .or_else(|| well_known_file(&get).filter(|path| path.is_file()))
                {
                    Some(path) => VertexCredentials::ServiceAccountKey(path),
                    None => VertexCredentials::MetadataServer {
                        host: get("GCE_METADATA_HOST")
                            .unwrap_or_else(|| "metadata.google.internal".to_string()),
                    },
                },
            },
            other => {
                return Err(ConfigError::Invalid {
                    name: "GEMINI_BACKEND",
                    message: format!("expected \"developer\" or \"vertex\", got \"{other}\""),
                });
            }
        };
        let defaults = RetryPolicy::default();
        let retry = RetryPolicy {
            max_attempts: number(&get, "GEMINI_MAX_ATTEMPTS", 1)?
                .map_or(defaults.max_attempts, |n| n as u32),
            total_budget: number(&get, "GEMINI_RETRY_BUDGET_SECS", 1)?
                .map_or(defaults.total_budget, Duration::from_secs),
            initial_backoff: number(&get, "GEMINI_BACKOFF_INITIAL_MS", 0)?
                .map_or(defaults.initial_backoff, Duration::from_millis),
            max_backoff: number(&get, "GEMINI_BACKOFF_MAX_SECS", 0)?
                .map_or(defaults.max_backoff, Duration::from_secs),
        };
        let base_url = match get("GEMINI_BASE_URL") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.trim_end_matches('/').to_string())
            }
            Some(url) => {
                return Err(ConfigError::Invalid {
                    name: "GEMINI_BASE_URL",
                    message: format!("expected an http:// or https:// URL, got \"{url}\""),
                });
            }
            None => None,
        };
        Ok(GeminiConfig {
            backend,
            base_url,
            api_version: get("GEMINI_API_VERSION"),
            retry,
            request_timeout: number(&get, "GEMINI_REQUEST_TIMEOUT_SECS", 1)?
                .map_or(Duration::from_secs(180), Duration::from_secs),
            prices: match get("GEMINI_PRICES_FILE") {
                Some(path) => PriceTable::load(std::path::Path::new(&path))?,
                None => PriceTable::default(),
            },
        })
    }
}

fn number(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    minimum: u64,
) -> Result<Option<u64>, ConfigError> {
    let Some(text) = get(name) else {
        return Ok(None);
    };
    match text.parse::<u64>() {
        Ok(value) if value >= minimum && value <= u64::from(u32::MAX) => Ok(Some(value)),
        _ => Err(ConfigError::Invalid {
            name,
            message: format!("expected a whole number ≥ {minimum}, got \"{text}\""),
        }),
    }
}

/// gcloud's application-default credentials file: under `$CLOUDSDK_CONFIG`, else
/// `~/.config/gcloud/` (`gcloud auth application-default login` writes it).
fn well_known_file(get: &impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let folder = get("CLOUDSDK_CONFIG")
        .map(PathBuf::from)
        .or_else(|| get("HOME").map(|home| PathBuf::from(home).join(".config/gcloud")))?;
    Some(folder.join("application_default_credentials.json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<GeminiConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        GeminiConfig::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn developer_backend_needs_a_key_and_reads_the_limits() {
        let error = config(&[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "GEMINI_API_KEY is required when GEMINI_BACKEND is developer (the default)"
        );
        let config = config(&[
            ("GEMINI_API_KEY", "k"),
            ("GEMINI_BASE_URL", "http://127.0.0.1:8090/"),
            ("GEMINI_MAX_ATTEMPTS", "3"),
            ("GEMINI_RETRY_BUDGET_SECS", "30"),
        ])
        .unwrap();
        assert_eq!(config.base_url.as_deref(), Some("http://127.0.0.1:8090"));
        assert_eq!(config.retry.max_attempts, 3);
        assert_eq!(config.retry.total_budget, Duration::from_secs(30));
        assert!(
            !format!("{config:?}").contains("\"k\""),
            "the key must not print"
        );
    }

    #[test]
    fn vertex_backend_picks_its_credentials() {
        let error = config(&[("GEMINI_BACKEND", "vertex")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "GOOGLE_CLOUD_PROJECT is required when GEMINI_BACKEND is vertex"
        );
        let vertex =
            config(&[("GEMINI_BACKEND", "vertex"), ("GOOGLE_CLOUD_PROJECT", "p")]).unwrap();
        assert_eq!(
            vertex.backend,
            Backend::Vertex {
                project: "p".into(),
                location: "global".into(),
                credentials: VertexCredentials::MetadataServer {
                    host: "metadata.google.internal".into()
                },
            }
        );
        let keyed = config(&[
            ("GEMINI_BACKEND", "vertex"),
            ("GOOGLE_CLOUD_PROJECT", "p"),
            ("GOOGLE_CLOUD_LOCATION", "us-central1"),
            ("GOOGLE_APPLICATION_CREDENTIALS", "/keys/sa.json"),
        ])
        .unwrap();
        assert!(matches!(
            keyed.backend,
            Backend::Vertex {
                credentials: VertexCredentials::ServiceAccountKey(_),
                ..
            }
        ));
        let seeded = config(&[
            ("GEMINI_BACKEND", "vertex"),
            ("GOOGLE_CLOUD_PROJECT", "p"),
            ("VERTEX_AI_LOCATION", "asia-southeast1"),
        ])
        .unwrap();
        assert!(
            matches!(&seeded.backend, Backend::Vertex { location, .. } if location == "asia-southeast1"),
            "VERTEX_AI_LOCATION names the location"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            (
                ("GEMINI_BACKEND", "openai"),
                "GEMINI_BACKEND: expected \"developer\" or \"vertex\", got \"openai\"",
            ),
            (
                ("GEMINI_MAX_ATTEMPTS", "0"),
                "GEMINI_MAX_ATTEMPTS: expected a whole number ≥ 1, got \"0\"",
            ),
            (
                ("GEMINI_BASE_URL", "localhost:8090"),
                "GEMINI_BASE_URL: expected an http:// or https:// URL, got \"localhost:8090\"",
            ),
        ];
        for ((name, value), expected) in cases {
            let error = config(&[("GEMINI_API_KEY", "k"), (name, value)]).unwrap_err();
            assert_eq!(error.to_string(), expected);
        }
    }
}
