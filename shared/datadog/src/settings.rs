//! The server's Datadog settings, read from the environment:
//! `DD_API_KEY` / `DD_APP_KEY` (or `DD_API_KEY_FILE` / `DD_APP_KEY_FILE`, a mounted
//! secret), `DD_SITE`, `DD_LLMOBS_OVERRIDE_ORIGIN`, and `TALLY_SEAL_KEY` (or
//! `TALLY_SEAL_KEY_FILE`), which seals a request's own keys.

use std::path::Path;

use tally_core::contract::{DatadogSite, Secret};

use crate::seal::SealKey;
use crate::site::Origin;

/// The two keys the experiments API needs (the intakes need the API key only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub api_key: Secret,
    pub app_key: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatadogSettings {
    /// The server's own keys; `None` when only requests that bring a key export.
    pub credentials: Option<Credentials>,
    pub site: DatadogSite,
    /// Replaces Datadog's origin for all traffic (datadog-emulator in tests).
    pub override_origin: Option<String>,
    /// Seals a request's own keys while they wait in Redis; without it a request's
    /// keys are not kept (its run exports with the server's keys, if any).
    pub seal_key: Option<SealKey>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

impl DatadogSettings {
    pub fn from_env() -> Result<DatadogSettings, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<DatadogSettings, SettingsError> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let api_key = key(&set, "DD_API_KEY", "DD_API_KEY_FILE")?;
        let app_key = key(&set, "DD_APP_KEY", "DD_APP_KEY_FILE")?;
        let credentials = match (api_key, app_key) {
            (Some(api_key), Some(app_key)) => Some(Credentials { api_key, app_key }),
            (None, None) => None,
            (Some(_), None) => return Err(missing("DD_APP_KEY", "DD_API_KEY")),
            (None, Some(_)) => return Err(missing("DD_API_KEY", "DD_APP_KEY")),
        };
        let site = match set("DD_SITE") {
            None => DatadogSite::default(),
            Some(site) => DatadogSite::parse(site.trim()).map_err(|e| SettingsError::Invalid {
                name: "DD_SITE",
                message: e.to_string(),
            })?,
        };
        let override_origin = match set("DD_LLMOBS_OVERRIDE_ORIGIN") {
            None => None,
            Some(origin) => {
                let parsed =
                    url::Url::parse(origin.trim()).map_err(|e| SettingsError::Invalid {
                        name: "DD_LLMOBS_OVERRIDE_ORIGIN",
                        message: format!("must be an http(s) URL: {e}"),
                    })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(SettingsError::Invalid {
                        name: "DD_LLMOBS_OVERRIDE_ORIGIN",
                        message: format!("must be an http(s) URL, got {:?}", parsed.scheme()),
                    });
                }
                Some(origin.trim().to_string())
            }
        };
        let seal_key = match key(&set, "TALLY_SEAL_KEY", "TALLY_SEAL_KEY_FILE")? {
            None => None,
            Some(text) => {
                Some(
                    SealKey::parse(text.expose()).map_err(|e| SettingsError::Invalid {
                        name: "TALLY_SEAL_KEY",
                        message: e.to_string(),
                    })?,
                )
            }
        };
        Ok(DatadogSettings {
            credentials,
            site,
            override_origin,
            seal_key,
        })
    }

    /// Where calls for `site` go: the override when set, else the site's hosts.
    pub fn origin(&self, site: DatadogSite) -> Origin {
        match &self.override_origin {
            Some(origin) => Origin::overridden(origin),
            None => Origin::of_site(site),
        }
    }
}

fn missing(name: &'static str, because: &str) -> SettingsError {
    SettingsError::Invalid {
        name,
        message: format!("must be set when {because} is (the experiments API needs both keys)"),
    }
}

/// A key from its variable, or from the file its `_FILE` variable names (trailing
/// newline trimmed, as mounted secrets usually end with one).
fn key(
    set: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    file_name: &'static str,
) -> Result<Option<Secret>, SettingsError> {
    if let Some(value) = set(name) {
        return Ok(Some(Secret::new(value.trim())));
    }
    let Some(path) = set(file_name) else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(Path::new(path.trim())).map_err(|e| SettingsError::Invalid {
            name: file_name,
            message: format!("cannot read the key file: {}", e.kind()),
        })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(SettingsError::Invalid {
            name: file_name,
            message: "the key file is empty".to_string(),
        });
    }
    Ok(Some(Secret::new(text)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<DatadogSettings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DatadogSettings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn nothing_set_is_not_configured_on_the_default_site() {
        let settings = read(&[]).unwrap();
        assert_eq!(settings, DatadogSettings::default());
        assert_eq!(settings.site.as_str(), "datadoghq.com");
    }

    #[test]
    fn keys_site_and_override_are_read() {
        let settings = read(&[
            ("DD_API_KEY", "a"),
            ("DD_APP_KEY", "b"),
            ("DD_SITE", "datadoghq.eu"),
            ("DD_LLMOBS_OVERRIDE_ORIGIN", "http://127.0.0.1:8126"),
        ])
        .unwrap();
        let credentials = settings.credentials.clone().unwrap();
        assert_eq!(credentials.api_key.expose(), "a");
        assert_eq!(credentials.app_key.expose(), "b");
        assert_eq!(settings.site, DatadogSite::Eu1);
        assert_eq!(
            settings.origin(settings.site).api("/x"),
            "http://127.0.0.1:8126/x"
        );
    }

    #[test]
    fn keys_come_from_mounted_files() {
        let dir = std::env::temp_dir().join(format!("tally-dd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("api"), "file-api\n").unwrap();
        std::fs::write(dir.join("app"), "file-app\n").unwrap();
        let api = dir.join("api").display().to_string();
        let app = dir.join("app").display().to_string();
        let settings = read(&[("DD_API_KEY_FILE", &api), ("DD_APP_KEY_FILE", &app)]).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(settings.credentials.unwrap().api_key.expose(), "file-api");
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let errors = [
            (read(&[("DD_API_KEY", "a")]), "DD_APP_KEY"),
            (read(&[("DD_APP_KEY", "b")]), "DD_API_KEY"),
            (read(&[("DD_SITE", "datadoghq.co")]), "DD_SITE"),
            (
                read(&[("DD_LLMOBS_OVERRIDE_ORIGIN", "ftp://x")]),
                "DD_LLMOBS_OVERRIDE_ORIGIN",
            ),
            (
                read(&[("DD_API_KEY_FILE", "/nonexistent/k"), ("DD_APP_KEY", "b")]),
                "DD_API_KEY_FILE",
            ),
            (read(&[("TALLY_SEAL_KEY", "c2hvcnQ=")]), "TALLY_SEAL_KEY"),
        ];
        for (result, name) in errors {
            let message = result.unwrap_err().to_string();
            assert!(message.starts_with(name), "{message}");
        }
    }
}
