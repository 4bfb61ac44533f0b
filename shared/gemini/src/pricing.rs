//! The price table: USD per million tokens, per model, read from configuration.
//!
//! Prices change more often than code: they live in `config/gemini_prices.toml`
//! (embedded as the default) or in the file named by `GEMINI_PRICES_FILE`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::outcome::Usage;

const DEFAULT_PRICES: &str = include_str!("../config/gemini_prices.toml");

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// USD per 1M prompt tokens.
    pub input: f64,
    /// USD per 1M output tokens (candidates + thoughts).
    pub output: f64,
    /// USD per 1M prompt tokens served from the cache; absent = the input price.
    #[serde(default)]
    pub cached_input: Option<f64>,
    /// USD per 1M prompt tokens of a batch request; absent = half the input price.
    #[serde(default)]
    pub batch_input: Option<f64>,
    /// USD per 1M output tokens of a batch request; absent = half the output price.
    #[serde(default)]
    pub batch_output: Option<f64>,
}

impl Price {
    /// What a batch request pays: the batch prices (Google: half the standard ones).
    /// Cached input keeps its own rate, capped at the batch input price.
    pub fn batch(self) -> Price {
        let input = self.batch_input.unwrap_or(self.input / 2.0);
        Price {
            input,
            output: self.batch_output.unwrap_or(self.output / 2.0),
            cached_input: Some(self.cached_input.unwrap_or(input).min(input)),
            batch_input: None,
            batch_output: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    models: BTreeMap<String, Price>,
}

#[derive(Debug, thiserror::Error)]
pub enum PriceTableError {
    #[error("cannot read price table {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("price table {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Default for PriceTable {
    fn default() -> Self {
        // The embedded table is checked by a unit test; failing here would be a build
        // defect, not a runtime condition, so an empty table is a safe fallback.
        PriceTable::parse(DEFAULT_PRICES, "built-in").unwrap_or_else(|_| PriceTable {
            models: BTreeMap::new(),
        })
    }
}

impl PriceTable {
    pub fn load(path: &Path) -> Result<Self, PriceTableError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PriceTableError::Read {
            path: shown.clone(),
            source,
        })?;
        PriceTable::parse(&text, &shown)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Self, PriceTableError> {
        let table: PriceTable = toml::from_str(text).map_err(|e| PriceTableError::Invalid {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        for (model, price) in &table.models {
            let cached = price.cached_input.unwrap_or(price.input);
            let batch = price.batch();
            for (name, value) in [
                ("input", price.input),
                ("output", price.output),
                ("cached_input", cached),
                ("batch_input", batch.input),
                ("batch_output", batch.output),
            ] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(PriceTableError::Invalid {
                        path: origin.to_string(),
                        message: format!(
                            "models.\"{model}\".{name}: must be a non-negative number, got {value}"
                        ),
                    });
                }
            }
        }
        Ok(table)
    }

    /// The price of `model`: exact id first, then the longest listed id it extends
    /// (`gemini-2.5-flash-001` → `gemini-2.5-flash`).
    pub fn price(&self, model: &str) -> Option<Price> {
        let model = model.strip_prefix("models/").unwrap_or(model);
        self.models.get(model).copied().or_else(|| {
            self.models
                .iter()
                .filter(|(id, _)| model.starts_with(&format!("{id}-")))
                .max_by_key(|(id, _)| id.len())
                .map(|(_, price)| *price)
        })
    }

    /// The table a batch's answers are priced with: every model at its batch prices.
    pub fn batch(&self) -> PriceTable {
        PriceTable {
            models: self
                .models
                .iter()
                .map(|(model, price)| (model.clone(), price.batch()))
                .collect(),
        }
    }

    /// USD for one call, or `None` when the model has no listed price.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        let price = self.price(model)?;
        let output = usage.candidates_tokens + usage.thoughts_tokens;
        let cached = usage.cached_tokens.min(usage.prompt_tokens);
        let fresh = usage.prompt_tokens - cached;
        let cached_rate = price.cached_input.unwrap_or(price.input);
        Some(
            (fresh as f64 * price.input
                + cached as f64 * cached_rate
                + output as f64 * price.output)
                / 1_000_000.0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_table_parses_and_prices_output_with_thoughts() {
        let table = PriceTable::parse(DEFAULT_PRICES, "built-in").unwrap();
        assert_eq!(table, PriceTable::default());
        let usage = Usage {
            prompt_tokens: 1_000_000,
            cached_tokens: 0,
            candidates_tokens: 200_000,
            thoughts_tokens: 800_000,
        };
        let cost = table.cost("gemini-2.5-flash", &usage).unwrap();
        assert!((cost - (0.30 + 2.50)).abs() < 1e-9, "{cost}");
        assert_eq!(table.price("gemini-2.5-flash-lite").unwrap().input, 0.10);
        let batch = table.batch().cost("gemini-2.5-flash", &usage).unwrap();
        assert!(
            (batch - (0.15 + 1.25)).abs() < 1e-9,
            "batch requests cost half: {batch}"
        );
        assert_eq!(
            table
                .price("gemini-2.5-flash-preview-09-2025")
                .unwrap()
                .input,
            0.30
        );
        assert_eq!(table.cost("claude", &usage), None);
    }

    #[test]
    fn invalid_tables_are_rejected_with_the_field() {
        let error = PriceTable::parse(
            "[models.\"m\"]\ninput = -1.0\noutput = 1.0\n",
            "prices.toml",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "price table prices.toml: models.\"m\".input: must be a non-negative number, got -1"
        );
        assert!(PriceTable::parse("[models.\"m\"]\ninput = 1.0\n", "p").is_err());
    }
}
