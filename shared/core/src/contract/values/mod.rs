//! Domain values of an experiment request, each parsed once at the boundary.
//!
//! Every type has a private field and one `parse` constructor that states its rule;
//! code holding one never re-checks it. A refused value is a `ValueError` (the rule
//! and the value as given), which the request validator prefixes with the field path.
//!
//! - `value_error`: `ValueError` and how offending values are shown.
//! - `names`: `DatasetName`, `ModelId`, `NameSuffix`, `Label` (ml_app, project_name).
//! - `generation`: a model call's settings — `Temperature`, `TopP`, `TopK`, `Seed`,
//!   `ThinkingBudget`, `MaxOutputTokens`.
//! - `run_settings`: `DatasetVersion`, `SampleSize`, `Jobs`, `Trials`, `DatadogSite`.
//! - `cache`: `CacheMode`, how an experiment uses the response cache.
//! - `execution`: `Execution`, online calls or Gemini's batch mode.
//! - `daily_quota`: `OnDailyQuota`, whether a used-up daily quota waits or fails.
//! - `metadata`: `Metadata`, the free-form JSON object of a model configuration.

mod cache;
mod daily_quota;
mod execution;
mod generation;
mod metadata;
mod names;
mod ranges;
mod run_settings;
mod value_error;

pub use cache::CacheMode;
pub use daily_quota::OnDailyQuota;
pub use execution::Execution;
pub use generation::{MaxOutputTokens, Seed, Temperature, ThinkingBudget, TopK, TopP};
pub use metadata::Metadata;
pub use names::{DatasetName, Label, ModelId, NameSuffix};
pub(crate) use names::{check_identifier, is_forbidden_in_names};
pub use run_settings::{DatadogSite, DatasetVersion, Jobs, SampleSize, Trials};
pub use value_error::ValueError;
pub(crate) use value_error::excerpt;
