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
//! `wake` announces pushes so idle workers fetch at once. `depth` reads how many
//! jobs wait in each queue, `liveness` how long the next one
//! has waited and how many workers beat (for metrics); both read apalis-redis's keys
//! through `apalis_layout`, the one module that knows where apalis-redis keeps them.

pub mod apalis_layout;
mod depth;
mod liveness;
mod queues;
pub mod wake;

use serde::{Deserialize, Serialize};

use tally_core::run::ExperimentId;

use crate::Keys;
use apalis_layout::QueueLayout;

pub use depth::QueueDepth;
pub use liveness::{QueueAge, WORKER_ALIVE_WITHIN};
pub use queues::{DEFAULT_IDLE_POLL, QueueError, QueueSettings, Queues};

/// The job kinds, each with its own queue, in the order metrics report them.
const KINDS: [&str; 3] = ["plan", "chunk", "finalize"];

/// Where apalis-redis keeps each queue of `keys`' namespace, by kind.
fn layouts(keys: &Keys) -> [(&'static str, QueueLayout); 3] {
    KINDS.map(|kind| (kind, QueueLayout::of(keys, kind)))
}

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

/// The queue kind and idempotency key of every job an experiment ever enqueues (its
/// plan, its chunks, its finalize): what the queues remember of it, for retention.
pub fn idempotency_keys(experiment: &ExperimentId, chunks: u64) -> Vec<(&'static str, String)> {
    let plan = PlanJob {
        experiment_id: experiment.clone(),
    };
    let finalize = FinalizeJob {
        experiment_id: experiment.clone(),
    };
    let mut keys = vec![
        ("plan", plan.idempotency_key()),
        ("finalize", finalize.idempotency_key()),
    ];
    keys.extend((0..chunks).map(|chunk| {
        let job = ChunkJob {
            experiment_id: experiment.clone(),
            chunk,
        };
        ("chunk", job.idempotency_key())
    }));
    keys
}

impl PlanJob {
    /// Names what the job does, so a second push of it is dropped.
    pub fn idempotency_key(&self) -> String {
        format!("plan:{}", self.experiment_id)
    }
}

impl ChunkJob {
    pub fn idempotency_key(&self) -> String {
        format!("chunk:{}:{}", self.experiment_id, self.chunk)
    }
}

impl FinalizeJob {
    pub fn idempotency_key(&self) -> String {
        format!("finalize:{}", self.experiment_id)
    }
}
