//! Runs, experiments and record results: what the pipeline stores and reports.
//!
//! - `ids`: `RunId`, `ExperimentId`.
//! - `model`: the stored records (`RunRecord`, `ExperimentRecord`, `RecordResult`) and
//!   live `Progress`.
//! - `response`: the run's `ExperimentResponse` from its experiment summaries.
//! - `summary`: an experiment's `ExperimentSummary` computed from its record results.

mod ids;
mod model;
mod response;
mod summary;
mod urls;

pub use ids::{ExperimentId, RunId};
pub use model::{
    DatasetPin, ExperimentPhase, ExperimentRecord, Progress, RecordError, RecordResult,
    RecordStatus, RunRecord, Submitter,
};
pub use response::assemble_response;
pub use summary::{SKIPPED, SummaryContext, summarize_experiment};
pub use urls::PublicUrls;
