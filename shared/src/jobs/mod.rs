//! The three job kinds workers execute, and the queues that carry them.
//!
//! Jobs carry ids only; everything else is read from the store when the job runs, so
//! a job that is executed twice (after a worker died, or a retry) sees the current
//! state and its writes stay idempotent.
//!
//! - `plan`: one per experiment; sizes it and enqueues its first chunks.
//! - `chunk`: a handful of records of one experiment.
//! - `finalize`: summarises an experiment and completes the run when it is the last.
//!
//! `depth` reads how many jobs wait in each queue, `liveness` how long the next one
//! has waited and how many workers beat (for metrics).

mod depth;
mod liveness;
mod queues;

use serde::{Deserialize, Serialize};

use crate::run::ExperimentId;

pub use depth::QueueDepth;
pub use liveness::{QueueAge, WORKER_ALIVE_WITHIN};
pub use queues::{QueueError, QueueSettings, Queues};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanJob {
    pub experiment_id: ExperimentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkJob {
    pub experiment_id: ExperimentId,
    /// Records `[chunk * chunk_size, (chunk + 1) * chunk_size)` of the experiment's sample.
    pub chunk: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalizeJob {
    pub experiment_id: ExperimentId,
}
