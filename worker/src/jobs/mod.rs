//! The job handlers, one file per kind. Each reads what it needs from the store by
//! id, so a job executed twice sees the current state; every write it makes is
//! idempotent.
//!
//! Errors returned from a handler are infrastructure errors (Redis unreachable, a
//! queue push failed): apalis runs the job again later. A record that fails is not an
//! error: it is a stored result.

pub mod chunk;
pub mod finalize;
pub mod plan;

use tally_store::StoreError;
use tally_store::jobs::QueueError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Chunks of one experiment queued at once: enough to keep every worker busy, few
/// enough that no queue ever holds thousands of due jobs (apalis-redis's fetch fails
/// past about 8,000). Each finished chunk enqueues the one `WINDOW` places after it.
pub const WINDOW: u64 = 32;
