//! Per-model quotas: the built-in `quotas.toml` (tier-1 Gemini limits) with the file
//! named by `TALLY_QUOTAS_FILE` merged over it, turned into the pace of each model.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use tally_core::layered_toml::from_layers;
use tally_store::{ModelPace, Slowdown};

const BUILT_IN: &str = include_str!("../quotas.toml");

/// The quotas file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotasFile {
    window_ms: u64,
    headroom: f64,
    slowdown: f64,
    min_factor: f64,
    recovery_secs: u64,
    tokens_per_call: u64,
    #[serde(default)]
    models: BTreeMap<String, ModelQuota>,
}

/// One model's quota per window; 0 (or absent) = that dimension is not limited.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelQuota {
    #[serde(default)]
    rpm: u64,
    #[serde(default)]
    tpm: u64,
}

/// The quotas every worker of a namespace paces its calls by.
#[derive(Debug, Clone)]
pub struct Quotas {
    paces: BTreeMap<String, ModelPace>,
    slowdown: Slowdown,
    tokens_per_call: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum QuotasError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Default for Quotas {
    /// The built-in quotas (parsed by a test, so this cannot fail at run time).
    fn default() -> Self {
        match Quotas::from_toml(None, "built-in quotas.toml") {
            Ok(quotas) => quotas,
            Err(error) => unreachable!("the built-in quotas.toml is tested: {error}"),
        }
    }
}

impl Quotas {
    /// The built-in quotas with the file at `path` merged over them.
    pub fn load(path: &Path) -> Result<Quotas, QuotasError> {
        let text = std::fs::read_to_string(path).map_err(|source| QuotasError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Quotas::from_toml(Some(&text), &path.display().to_string())
    }

    /// The built-in quotas with `overlay` (TOML text) merged over them.
    pub fn from_toml(overlay: Option<&str>, origin: &str) -> Result<Quotas, QuotasError> {
        let invalid = |message: String| QuotasError::Invalid {
            origin: origin.to_string(),
            message,
        };
        let file: QuotasFile =
            from_layers(BUILT_IN, overlay).map_err(|e| invalid(e.to_string()))?;
        Quotas::from_file(file).map_err(invalid)
    }

    fn from_file(file: QuotasFile) -> Result<Quotas, String> {
        if file.window_ms == 0 {
            return Err("window_ms: must be at least 1".to_string());
        }
        for (name, value, range) in [
            ("headroom", file.headroom, 0.0..0.5),
            ("slowdown", file.slowdown, 0.01..1.0),
            ("min_factor", file.min_factor, 0.001..1.0),
        ] {
            if !range.contains(&value) {
                return Err(format!(
                    "{name}: must be in [{}, {}), got {value}",
                    range.start, range.end
                ));
            }
        }
        let window = file.window_ms as f64;
        let usable = 1.0 - file.headroom;
        let interval = |per_window: u64| {
            if per_window == 0 {
                0.0
            } else {
                window / (per_window as f64 * usable)
            }
        };
        let paces = file
            .models
            .iter()
            .filter(|(_, quota)| quota.rpm > 0 || quota.tpm > 0)
            .map(|(model, quota)| {
                let pace = ModelPace {
                    request_interval_ms: interval(quota.rpm),
                    token_interval_ms: interval(quota.tpm),
                    // The headroom below the token quota is what a burst may use.
                    token_burst_ms: file.headroom * window,
                    recovery_ms: file.recovery_secs as f64 * 1000.0,
                };
                (model.clone(), pace)
            })
            .collect();
        Ok(Quotas {
            paces,
            slowdown: Slowdown {
                multiplier: file.slowdown,
                min_factor: file.min_factor,
                default_block: Duration::from_secs(1),
            },
            tokens_per_call: file.tokens_per_call,
        })
    }

    /// The pace of `model`; `None` when it has no quota (its calls are not paced).
    pub fn pace(&self, model: &str) -> Option<&ModelPace> {
        self.paces.get(model)
    }

    pub fn slowdown(&self) -> &Slowdown {
        &self.slowdown
    }

    /// The first token estimate of a call, before any call was measured.
    pub fn tokens_per_call(&self) -> u64 {
        self.tokens_per_call
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_quotas_are_the_tier_one_limits() {
        let quotas = Quotas::default();
        let flash = quotas.pace("gemini-2.5-flash").unwrap();
        // 1,000 requests a minute, 2 % below: one every 61.2 ms.
        assert!((flash.request_interval_ms - 60_000.0 / 980.0).abs() < 1e-9);
        assert!((flash.token_interval_ms - 60_000.0 / 980_000.0).abs() < 1e-12);
        let lite = quotas.pace("gemini-2.5-flash-lite").unwrap();
        assert_eq!(lite.token_interval_ms, 0.0, "no token quota published");
        assert!(
            quotas.pace("gemini-2.5-pro").is_none(),
            "unlisted: not paced"
        );
    }

    #[test]
    fn an_overlay_changes_only_what_it_names() {
        let overlay = "window_ms = 2000\n[models.\"gemini-2.5-flash\"]\nrpm = 50\ntpm = 0\n[models.\"gemini-2.5-flash-lite\"]\nrpm = 0\n";
        let quotas = Quotas::from_toml(Some(overlay), "mine.toml").unwrap();
        let flash = quotas.pace("gemini-2.5-flash").unwrap();
        assert!((flash.request_interval_ms - 2000.0 / 49.0).abs() < 1e-9);
        assert_eq!(flash.token_interval_ms, 0.0);
        assert!(
            quotas.pace("gemini-2.5-flash-lite").is_none(),
            "rpm = 0 lifts it"
        );
        assert_eq!(quotas.slowdown().multiplier, 0.5);
    }

    #[test]
    fn bad_values_name_the_file_and_the_field() {
        let error = Quotas::from_toml(Some("headroom = 0.7\n"), "mine.toml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "mine.toml: headroom: must be in [0, 0.5), got 0.7"
        );
        let error = Quotas::from_toml(Some("[models.m]\nrqm = 5\n"), "mine.toml").unwrap_err();
        assert!(error.to_string().contains("unknown field `rqm`"), "{error}");
    }
}
