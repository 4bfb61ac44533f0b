//! Runs, experiments and record results: what the pipeline stores and reports.
//!
//! - `ids`: `RunId`, `ExperimentId`.
//! - `batch_progress`, `batch_input`: a batch-mode experiment's progress, and what
//!   each of its batches was created from.
//! - `model`: the stored records (`RunRecord`, `ExperimentRecord`, `RecordResult`) and
//!   live `Progress`.
//! - `response`: the run's `ExperimentResponse` from its experiment summaries.
//! - `view`: `RunView`, a run with its status and timestamps.
//! - `idempotency`: `IdempotencyKey`, how a repeated submission is recognised.
//! - `retry`: a run and its retries as one result per experiment (latest attempt wins).
//! - `pacific_day`: the Pacific day of Gemini's per-day quotas and when it ends.
//! - `summary`: an experiment's `ExperimentSummary` computed from its running totals
//!   or from its record results.
//! - `totals`: `ResultTotals`, the integer sums and counts a summary needs, added
//!   up by the store as results are written.
//! - `trials`: repeated trials — means with standard errors, agreement, the least
//!   stable records.

mod batch_input;
mod batch_progress;
mod idempotency;
mod ids;
mod model;
mod pacific_day;
mod response;
mod retry;
mod summary;
mod totals;
mod trials;
mod urls;
mod view;

pub use batch_input::BatchInput;
pub use batch_progress::BatchProgress;
pub use idempotency::IdempotencyKey;
pub use ids::{ExperimentId, RunId};
pub use model::{
    DatasetPin, ExperimentPhase, ExperimentRecord, OcrTrace, Progress, RecordError, RecordResult,
    RecordStatus, RetryScope, RunRecord, Submitter, Unit, one_trial, result_key,
};
pub use pacific_day::{next_pacific_midnight, pacific_day};
pub use response::assemble_response;
pub use retry::{combined_status, merge_attempts, unsucceeded_units};
pub use summary::{SKIPPED, SummaryContext, summarize_experiment, summarize_totals};
pub use totals::{ResultTotals, latency_bucket};
pub use trials::{LEAST_STABLE, mean_and_standard_error, summarize_trials};
pub use urls::PublicUrls;
pub use view::RunView;
