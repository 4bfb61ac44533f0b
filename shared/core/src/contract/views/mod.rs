//! The JSON the API answers beyond the old service's contract, one type per body,
//! shared by the API (which builds them), the OpenAPI document (derived from them
//! with `utoipa::ToSchema`) and the CLI (which reads them). Building them from the
//! store's state is the API's job; here is only their shape and what needs no store.
//!
//! Enum fields are inlined (`#[schema(inline)]`) so the document lists their values
//! where they are used, as clients read them.
//!
//! - `progress`: `ProgressView`, counters with a percentage.
//! - `runs`: run status, the run list, the cancel answer.
//! - `experiments`: an experiment's detail and its page of results.
//! - `compare`: experiments side by side.
//! - `datasets`: datasets, versions, one record, an import's outcome.
//! - `labelsets`: label sets, their records and labels, the live check, a publish.
//! - `datadog_datasets`: a version's Datadog origin, a push to Datadog.
//! - `datadog_export`: a run's Datadog export, the last export's outcome.
//! - `schedules`: a schedule with its bookkeeping, runs and skipped slots.
//! - `service`: health, probes and presets.

mod compare;
mod datadog_datasets;
mod datadog_export;
mod datasets;
mod experiments;
mod labelsets;
mod progress;
mod runs;
mod schedules;
mod service;

pub use compare::{
    ComparedExperiment, Comparison, Interval, PairComparison, RecordAnswer, RecordAnswerStatus,
    RecordDifference,
};
pub use datadog_datasets::{DatadogOrigin, DatadogPushView};
pub use datadog_export::{DatadogExportView, ExperimentExportView, LastExport};
pub use datasets::{
    DatasetBrief, DatasetList, DatasetVersionView, DatasetVersions, ImportOutcomeView, RecordView,
};
pub use experiments::{ExperimentDetail, ResultsPage, RetryScopeView};
pub use labelsets::{
    CheckView, Decision, Disagreement, LabelRecordView, LabelSetList, LabelSetRecordBrief,
    LabelSetSummary, LabelSetView, LabelView, LabellerProgress, LeaseGranted, LeaseView, LeftOut,
    NumberWords, PrefillAccepted, PrefillView, PublishOutcome, PublishedVersion, RecordState,
    RuleFailure,
};
pub use progress::ProgressView;
pub use runs::{
    CancelAnswer, ExperimentBrief, RetryAccepted, RunLink, RunList, RunStatusView, RunSummaryView,
    Stall,
};
pub use schedules::{ExperimentScores, ScheduleDetail, ScheduleList, ScheduledRun};
pub use service::{
    HealthStatus, KeyRole, PresetList, Probe, RedisState, ServiceHealth, ServiceName, WhoAmI,
};
