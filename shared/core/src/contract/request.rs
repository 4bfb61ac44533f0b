//! `ExperimentRequest` and `ModelConfig`: a submission, validated.
//!
//! Field names and defaults are those of the HTTP contract (`ml_app`, `site`, …),
//! kept exactly for the clients of the old service, which also sent fields it
//! ignored: unknown fields are ignored here too, and reported as warnings. Every
//! field holds a domain value, so a request is valid by construction. The only ways
//! in from raw JSON are `ExperimentRequest::from_json_bytes` (`_with_warnings`) and
//! the `Deserialize` impls, which run the same validator (`validate`).
//!
//! Serialized, a request is the form stored with a run: every field except the
//! Datadog `api_key` and `app_key`, which are `Secret`s and skipped. Reading it back
//! gives the same request without keys.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use super::secret::Secret;
use super::validate::{self, FieldError, RequestError};
use super::values::{
    CacheMode, DatadogSite, DatasetName, DatasetVersion, Execution, Jobs, Label, MaxOutputTokens,
    Metadata, ModelId, NameSuffix, OnDailyQuota, SampleSize, Seed, Temperature, ThinkingBudget,
    TopK, TopP, Trials, ValueError,
};

pub const DEFAULT_ML_APP: &str = "vote-extractor";
pub const DEFAULT_PROJECT_NAME: &str = "vote-extraction-project";
/// The most model configurations (experiments) in one request.
const MAX_MODEL_CONFIGS: usize = 50;

/// One submission: a dataset version and the model configurations to run on it.
///
/// Its OpenAPI schema describes the body as sent: fields with a default are optional.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ExperimentRequest {
    /// Datadog LLM Observability app name (default `vote-extractor`).
    #[schema(value_type = String, required = false)]
    pub ml_app: Label,
    /// The submitter's Datadog API key, for exporting this run only. Never stored
    /// in the clear: sealed with the server's key until the export is done.
    #[serde(skip_serializing)]
    pub api_key: Option<Secret>,
    /// The submitter's Datadog application key, with `api_key` (the server's
    /// `DD_APP_KEY` when left out). Sealed like `api_key`.
    #[serde(skip_serializing)]
    pub app_key: Option<Secret>,
    /// Datadog site (default `datadoghq.com`).
    #[schema(inline, required = false)]
    pub site: DatadogSite,
    /// Send to Datadog without a local agent (default true).
    #[schema(required = false)]
    pub agentless_enabled: bool,
    /// Datadog project (default `vote-extraction-project`).
    #[schema(value_type = String, required = false)]
    pub project_name: Label,
    /// Must name a dataset (404 otherwise).
    #[schema(value_type = String)]
    pub dataset_name: DatasetName,
    /// `None` = the latest version at submission; the run pins what it used.
    #[schema(value_type = Option<u32>, required = false)]
    pub dataset_version: Option<DatasetVersion>,
    #[schema(value_type = Vec<ModelConfig>)]
    pub model_configs: ModelConfigs,
    /// `None` = every record; else the first N.
    #[schema(value_type = Option<u32>, required = false)]
    pub sample_size: Option<SampleSize>,
    /// Most model calls of one experiment in flight, cluster-wide (default 2).
    #[schema(value_type = u32, required = false)]
    pub jobs: Jobs,
    /// The first record that still fails after retries fails its experiment
    /// (default true).
    #[schema(required = false)]
    pub raise_errors: bool,
    /// How the experiments use the response cache; a model configuration's own
    /// `cache` wins. `None` = by temperature (`ModelConfig::cache_mode`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheMode>,
    /// Times every record is run, 1 to 20 (default 1); a model configuration's own
    /// `trials` wins.
    #[schema(value_type = u32, required = false, minimum = 1, maximum = 20)]
    pub trials: Trials,
    /// `online` (default) or `batch`: Gemini's batch mode, half the price, answers
    /// within 24 hours (Developer API only); a model configuration's own
    /// `execution` wins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<Execution>,
    /// When a model's requests per day are used up: `wait` (default) until the
    /// quota resets at midnight Pacific, or `fail` the experiment at once. Left out
    /// when `wait`, so stored requests keep their shape.
    #[serde(skip_serializing_if = "OnDailyQuota::is_wait")]
    #[schema(required = false)]
    pub on_daily_quota: OnDailyQuota,
}

impl ExperimentRequest {
    /// Results one record of the sample gets across all experiments: the sum of
    /// each configuration's trials (what a run's stored size grows with).
    pub fn results_per_record(&self) -> u64 {
        self.model_configs
            .iter()
            .map(|config| u64::from(config.trials(self.trials).get()))
            .sum()
    }

    /// Parses and validates a request body. `Malformed` when the bytes are not a
    /// UTF-8 JSON object, `Invalid` with every violated rule otherwise. Unknown
    /// fields are ignored (`from_json_bytes_with_warnings` lists them).
    pub fn from_json_bytes(body: &[u8]) -> Result<Self, RequestError> {
        validate::request_from_bytes(body).map(|(request, _)| request)
    }

    /// As `from_json_bytes`, with the fields that were ignored: every unknown field,
    /// at any depth, by its path (`model_configs[0].colour`).
    pub fn from_json_bytes_with_warnings(
        body: &[u8],
    ) -> Result<(Self, Vec<FieldError>), RequestError> {
        validate::request_from_bytes(body)
    }
}

/// One model configuration: one experiment of a run.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ModelConfig {
    #[schema(value_type = String)]
    pub model: ModelId,
    #[schema(value_type = f64, minimum = 0.0, maximum = 2.0)]
    pub temperature: Temperature,
    /// Names the experiment `vote-extraction-{name_suffix}` instead of by model and
    /// temperature.
    #[schema(value_type = Option<String>, required = false)]
    pub name_suffix: Option<NameSuffix>,
    /// Free-form; every entry becomes an experiment tag (default `{}`).
    #[schema(value_type = Object, required = false)]
    pub metadata: Metadata,
    /// `None` = the model's default (not sent); -1 = dynamic, 0 = off.
    #[schema(value_type = Option<i32>, required = false)]
    pub thinking_budget: Option<ThinkingBudget>,
    /// Default 16384.
    #[schema(value_type = u32, required = false)]
    pub max_output_tokens: MaxOutputTokens,
    #[schema(value_type = Option<f64>, required = false)]
    pub top_p: Option<TopP>,
    #[schema(value_type = Option<u32>, required = false)]
    pub top_k: Option<TopK>,
    #[schema(value_type = Option<i32>, required = false)]
    pub seed: Option<Seed>,
    /// Overrides the request's `cache` for this configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheMode>,
    /// Overrides the request's `trials` for this configuration (1 to 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, required = false, minimum = 1, maximum = 20)]
    pub trials: Option<Trials>,
    /// Overrides the request's `execution` for this configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<Execution>,
}

impl ModelConfig {
    /// The trials this configuration runs: its own, else the request's.
    pub fn trials(&self, request: Trials) -> Trials {
        self.trials.unwrap_or(request)
    }

    /// How this configuration's calls are made: its own, else the request's, else online.
    pub fn execution_mode(&self, request: Option<Execution>) -> Execution {
        self.execution.or(request).unwrap_or_default()
    }

    /// The cache mode this configuration runs with: its own, else the request's,
    /// else `read_write` at temperature 0 (the answer is then meant to be the same
    /// every time; a seed is part of the request body, hence of the cache key) and
    /// `off` above it, where a second run is asked for a different sample.
    pub fn cache_mode(&self, request: Option<CacheMode>) -> CacheMode {
        self.cache
            .or(request)
            .unwrap_or(if self.temperature.get() == 0.0 {
                CacheMode::ReadWrite
            } else {
                CacheMode::Off
            })
    }
}

/// At least one and at most `MAX_MODEL_CONFIGS` model configurations.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ModelConfigs(Vec<ModelConfig>);

impl ModelConfigs {
    pub fn parse(configs: Vec<ModelConfig>) -> Result<Self, ValueError> {
        ModelConfigs::check_count(configs.len())?;
        Ok(ModelConfigs(configs))
    }

    /// The count rule alone, so a validator can report it next to the problems of
    /// the configurations themselves.
    pub fn check_count(count: usize) -> Result<(), ValueError> {
        if count == 0 {
            return Err(ValueError::new(
                "must contain at least one model configuration",
                "[]",
            ));
        }
        if count > MAX_MODEL_CONFIGS {
            return Err(ValueError::new(
                format!("must contain at most {MAX_MODEL_CONFIGS} model configurations"),
                format!("{count}"),
            ));
        }
        Ok(())
    }

    pub fn as_slice(&self) -> &[ModelConfig] {
        &self.0
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ModelConfig> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a ModelConfigs {
    type Item = &'a ModelConfig;
    type IntoIter = std::slice::Iter<'a, ModelConfig>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Through the validator, so a stored request is held to the same rules. Needs a
/// JSON deserializer (serde_json's `from_str`, `from_slice`, `from_value`, …).
impl<'de> Deserialize<'de> for ExperimentRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        validate::request_from_raw(&raw)
            .map(|(request, _)| request)
            .map_err(serde::de::Error::custom)
    }
}

/// Through the validator, with paths relative to the configuration.
impl<'de> Deserialize<'de> for ModelConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        validate::model_config_from_raw(&raw)
            .map_err(|errors| serde::de::Error::custom(validate::render(&errors)))
    }
}

#[cfg(test)]
mod tests;
