//! The experiment contract: what clients send and what they get back.
//!
//! Raw request JSON is read here and nowhere else; everything past this module holds
//! validated domain values.
//!
//! - `values`: the domain newtypes (`ModelId`, `Temperature`, `Jobs`, …), each with
//!   one `parse` constructor.
//! - `secret`: `Secret`, a credential that never prints or serializes.
//! - `request`: `ExperimentRequest` and `ModelConfig`, validated.
//! - `validate`: raw JSON → request, collecting every violation (`FieldError`).
//! - `naming`: experiment names and tags.
//! - `response`: `ExperimentResponse`, `ExperimentSummary`, `RunAccepted`, `RunStatus`.
//! - `error_body`: the JSON error body every endpoint answers with.
//! - `views`: every other answer of the API (run status, lists, comparison, …).

mod error_body;
mod naming;
mod request;
mod response;
mod secret;
mod validate;
mod values;
pub mod views;

pub use error_body::{ErrorBody, ErrorContent};
pub use request::{
    DEFAULT_ML_APP, DEFAULT_PROJECT_NAME, ExperimentRequest, ModelConfig, ModelConfigs,
};
pub use response::{
    AcceptedStatus, ExperimentResponse, ExperimentStatus, ExperimentSummary, LatencyPercentiles,
    ResponseStatus, RunAccepted, RunStatus, TokenUsage, TrialMetric, TrialSummary, UnstableRecord,
};
pub use secret::{Secret, constant_time_eq};
pub use validate::{FieldError, RequestError};
pub use values::{
    CacheMode, DatadogSite, DatasetName, DatasetVersion, Execution, Jobs, Label, MaxOutputTokens,
    Metadata, ModelId, NameSuffix, OnDailyQuota, SampleSize, Seed, Temperature, ThinkingBudget,
    TopK, TopP, Trials, ValueError,
};
pub(crate) use values::{check_identifier, is_forbidden_in_names};
