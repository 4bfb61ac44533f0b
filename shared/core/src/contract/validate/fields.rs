//! The field tables of `ExperimentRequest` and `ModelConfig`: each field's name,
//! whether it is required, nullable or defaulted, and the domain value it becomes.

use serde_json::Map;

use super::Problems;
use super::json::{Field, Need};
use crate::contract::request::{
    DEFAULT_ML_APP, DEFAULT_PROJECT_NAME, ExperimentRequest, ModelConfig, ModelConfigs,
};
use crate::contract::secret::Secret;
use crate::contract::values::{
    CacheMode, DatadogSite, DatasetName, DatasetVersion, Execution, Jobs, Label, MaxOutputTokens,
    Metadata, ModelId, NameSuffix, OnDailyQuota, SampleSize, Seed, Temperature, ThinkingBudget,
    TopK, TopP, Trials,
};

const REQUEST_FIELDS: [&str; 16] = [
    "ml_app",
    "api_key",
    "app_key",
    "site",
    "agentless_enabled",
    "project_name",
    "dataset_name",
    "dataset_version",
    "model_configs",
    "sample_size",
    "jobs",
    "raise_errors",
    "cache",
    "trials",
    "execution",
    "on_daily_quota",
];

const MODEL_CONFIG_FIELDS: [&str; 12] = [
    "model",
    "temperature",
    "name_suffix",
    "metadata",
    "thinking_budget",
    "max_output_tokens",
    "top_p",
    "top_k",
    "seed",
    "cache",
    "trials",
    "execution",
];

/// Reads a request; `None` only when a violation was recorded.
pub(super) fn request(body: Field<'_>, problems: &mut Problems) -> Option<ExperimentRequest> {
    use Need::{Defaulted, Nullable, Required};

    let mut object = body.object(Required, problems)?;
    let ml_app = object
        .take("ml_app")
        .text(Defaulted, Label::parse, problems);
    let api_key = object.take("api_key").secret_text(Nullable, problems);
    let app_key = object.take("app_key").secret_text(Nullable, problems);
    let site = object
        .take("site")
        .text(Defaulted, DatadogSite::parse, problems);
    let agentless_enabled = object
        .take("agentless_enabled")
        .boolean(Defaulted, problems);
    let project_name = object
        .take("project_name")
        .text(Defaulted, Label::parse, problems);
    let dataset_name = object
        .take("dataset_name")
        .text(Required, DatasetName::parse, problems);
    let dataset_version =
        object
            .take("dataset_version")
            .integer(Nullable, DatasetVersion::parse, problems);
    let model_configs = model_configs(object.take("model_configs"), problems);
    let sample_size = object
        .take("sample_size")
        .integer(Nullable, SampleSize::parse, problems);
    let jobs = object
        .take("jobs")
        .integer(Defaulted, Jobs::parse, problems);
    let raise_errors = object.take("raise_errors").boolean(Defaulted, problems);
    let cache = object
        .take("cache")
        .text(Nullable, CacheMode::parse, problems);
    let trials = object
        .take("trials")
        .integer(Defaulted, Trials::parse, problems);
    let execution = object
        .take("execution")
        .text(Nullable, Execution::parse, problems);
    let on_daily_quota =
        object
            .take("on_daily_quota")
            .text(Defaulted, OnDailyQuota::parse, problems);
    object.ignore_unknown(&REQUEST_FIELDS, problems);

    Some(ExperimentRequest {
        ml_app: ml_app.unwrap_or_else(|| Label::from_known(DEFAULT_ML_APP)),
        api_key: api_key.map(Secret::new),
        app_key: app_key.map(Secret::new),
        site: site.unwrap_or_default(),
        agentless_enabled: agentless_enabled.unwrap_or(true),
        project_name: project_name.unwrap_or_else(|| Label::from_known(DEFAULT_PROJECT_NAME)),
        dataset_name: dataset_name?,
        dataset_version,
        model_configs: model_configs?,
        sample_size,
        jobs: jobs.unwrap_or_default(),
        raise_errors: raise_errors.unwrap_or(true),
        cache,
        trials: trials.unwrap_or_default(),
        execution,
        on_daily_quota: on_daily_quota.unwrap_or_default(),
    })
}

/// Reads one model configuration; `None` only when a violation was recorded.
pub(super) fn model_config(field: Field<'_>, problems: &mut Problems) -> Option<ModelConfig> {
    use Need::{Defaulted, Nullable, Required};

    let mut object = field.object(Required, problems)?;
    let model = object
        .take("model")
        .text(Required, ModelId::parse, problems);
    let temperature = object
        .take("temperature")
        .number(Required, Temperature::parse, problems);
    // The old service's page sends "" for a cleared suffix and meant "none".
    let name_suffix = object
        .take("name_suffix")
        .text(Nullable, NameSuffix::parse_optional, problems)
        .flatten();
    let metadata = metadata(object.take("metadata"), problems);
    let thinking_budget =
        object
            .take("thinking_budget")
            .integer(Nullable, ThinkingBudget::parse, problems);
    let max_output_tokens =
        object
            .take("max_output_tokens")
            .integer(Defaulted, MaxOutputTokens::parse, problems);
    let top_p = object.take("top_p").number(Nullable, TopP::parse, problems);
    let top_k = object
        .take("top_k")
        .integer(Nullable, TopK::parse, problems);
    let seed = object.take("seed").integer(Nullable, Seed::parse, problems);
    let cache = object
        .take("cache")
        .text(Nullable, CacheMode::parse, problems);
    let trials = object
        .take("trials")
        .integer(Nullable, Trials::parse, problems);
    let execution = object
        .take("execution")
        .text(Nullable, Execution::parse, problems);
    object.ignore_unknown(&MODEL_CONFIG_FIELDS, problems);

    Some(ModelConfig {
        model: model?,
        temperature: temperature?,
        name_suffix,
        metadata: metadata.unwrap_or_default(),
        thinking_budget,
        max_output_tokens: max_output_tokens.unwrap_or_default(),
        top_p,
        top_k,
        seed,
        cache,
        trials,
        execution,
    })
}

/// Every configuration is read, and the count checked, even when some are invalid.
fn model_configs(field: Field<'_>, problems: &mut Problems) -> Option<ModelConfigs> {
    let items = field.list(Need::Required, "a list of model configurations", problems)?;
    let count = ModelConfigs::check_count(items.len())
        .map_err(|e| problems.push(field.path(), e.to_string()))
        .ok();
    let configs: Vec<Option<ModelConfig>> = items
        .into_iter()
        .map(|item| model_config(item, problems))
        .collect();
    count?;
    let configs = configs.into_iter().collect::<Option<Vec<_>>>()?;
    if !unique_names(field.path(), &configs, problems) {
        return None;
    }
    ModelConfigs::parse(configs)
        .map_err(|e| problems.push(field.path(), e.to_string()))
        .ok()
}

/// Two configurations of one request must not name the same experiment: results,
/// comparisons and a schedule's regression check find experiments by name.
fn unique_names(path: &str, configs: &[ModelConfig], problems: &mut Problems) -> bool {
    let mut first_of: std::collections::HashMap<String, usize> = Default::default();
    let mut unique = true;
    for (index, config) in configs.iter().enumerate() {
        let name = config.experiment_name();
        if let Some(first) = first_of.get(&name) {
            unique = false;
            problems.push(
                &format!("{path}[{index}].name_suffix"),
                format!(
                    "the experiment name {name:?} is already used by {path}[{first}]; give each configuration its own name_suffix"
                ),
            );
        } else {
            first_of.insert(name, index);
        }
    }
    unique
}

/// An object of any JSON values (absent = empty).
fn metadata(field: Field<'_>, problems: &mut Problems) -> Option<Metadata> {
    let object = field.object(Need::Defaulted, problems)?;
    let mut entries = Map::new();
    let mut readable = true;
    for (key, value) in object.into_fields() {
        match value.any(problems) {
            Some(value) => {
                entries.insert(key, value);
            }
            None => readable = false,
        }
    }
    if !readable {
        return None;
    }
    Metadata::parse(entries)
        .map_err(|e| problems.push(field.path(), e.to_string()))
        .ok()
}
