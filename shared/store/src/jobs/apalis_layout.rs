//! Where apalis-redis keeps a queue's state, and what its values mean: the one place
//! that knows. tally reads these keys itself for the queue gauges (`depth`,
//! `liveness`) and deletes a finished job's bookkeeping in retention's vacuum, which
//! apalis-redis never does.
//!
//! Mirrors **apalis-redis 1.0.0** (pinned with `=` in the workspace manifest): the key
//! names its `Config` hands out, and the per-job keys and values its Lua scripts write
//! (`batch_push.lua`, `fetch_next.lua`, `handle_results.lua`, `keep_alive.lua`). The
//! test `tests/apalis_layout.rs` pushes and works jobs through the real apalis-redis
//! and checks each line below, so an upgrade that changes any of it fails there.
//!
//! One queue `{q}` (its name, `Keys::queue(kind)`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `{q}:scheduled` | sorted set | job id → when it is due (Unix seconds); a push lands here |
//! | `{q}:active` | list | due job ids, moved here by a worker's fetch, taken from the head |
//! | `{q}:workers` | sorted set | worker name → its last beat (Unix seconds) |
//! | `{q}:data` | hash | job id → payload |
//! | `{q}:meta:{id}` | hash | the job's `status` (an apalis `Status`), attempts, result |
//! | `{q}:done`, `{q}:dead`, `{q}:failed` | set | ids of finished jobs |
//! | `{q}:idempotency:{key}` | string | the id of the job the idempotency key let in |
//!
//! Job ids are ULIDs minted at push, so an id tells when its job was enqueued.

use std::str::FromStr;

use apalis::prelude::Status;
use apalis_redis::Config;

use crate::Keys;

/// The field of a job's meta hash that holds its status.
pub const STATUS_FIELD: &str = "status";

/// The keys apalis-redis keeps for one queue.
#[derive(Debug, Clone)]
pub struct QueueLayout {
    config: Config,
}

impl QueueLayout {
    /// The layout of the `kind` queue (`plan`, `chunk`, `finalize`) of `keys`'
    /// namespace.
    pub fn of(keys: &Keys, kind: &str) -> QueueLayout {
        QueueLayout {
            config: Config::default().queue(keys.queue(kind)),
        }
    }

    /// Sorted set: job id → due time (Unix seconds).
    pub fn scheduled(&self) -> String {
        self.config.scheduled_jobs_set()
    }

    /// List of due job ids; the head is taken next.
    pub fn active(&self) -> String {
        self.config.active_jobs_list()
    }

    /// Sorted set: worker name → last beat (Unix seconds).
    pub fn workers(&self) -> String {
        self.config.workers_set()
    }

    /// Hash: job id → payload.
    pub fn data(&self) -> String {
        self.config.job_data_hash()
    }

    /// Hash of one job's status (`STATUS_FIELD`), attempts and result.
    pub fn meta(&self, job_id: &str) -> String {
        format!("{}:{job_id}", self.config.job_meta_hash())
    }

    /// Set of the ids of jobs that failed for good.
    pub fn dead(&self) -> String {
        self.config.dead_jobs_set()
    }

    /// The sets of finished job ids: done, dead, failed.
    pub fn finished_sets(&self) -> [String; 3] {
        [
            self.config.done_jobs_set(),
            self.config.dead_jobs_set(),
            self.config.failed_jobs_set(),
        ]
    }

    /// String: the id of the job that `idempotency_key` let in.
    pub fn idempotency(&self, idempotency_key: &str) -> String {
        format!("{}:{idempotency_key}", self.config.idempotency_key_set())
    }
}

/// Whether a job is finished for good, from its meta hash's `status` (`None`: the
/// hash is gone) and whether it is in the dead set: `Done` and `Killed` are, `Failed`
/// only once dead (otherwise it is scheduled for a retry); anything else may still
/// run. A job finished for good can be deleted without breaking a worker's
/// acknowledgement.
pub fn finished_for_good(status: Option<&str>, dead: bool) -> bool {
    match status.map(Status::from_str) {
        None => true,
        Some(Ok(Status::Done | Status::Killed)) => true,
        Some(Ok(Status::Failed)) => dead,
        Some(_) => false,
    }
}

/// When the job `job_id` was enqueued (Unix milliseconds), from its ULID; `None`
/// when the id is not one.
pub fn enqueued_ms(job_id: &str) -> Option<u64> {
    ulid::Ulid::from_string(job_id)
        .ok()
        .map(|ulid| ulid.timestamp_ms())
}

/// A score of the `scheduled` or `workers` set (Unix seconds) in milliseconds;
/// `None` when it is not a time.
pub fn score_ms(seconds: f64) -> Option<u64> {
    (seconds.is_finite() && seconds >= 0.0).then_some((seconds * 1000.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Namespace;

    #[test]
    fn the_keys_of_a_queue_share_its_hash_tagged_name() {
        let keys = Keys::new(Namespace::parse("test:layout").unwrap());
        let plan = QueueLayout::of(&keys, "plan");
        assert_eq!(plan.scheduled(), "{test:layout}:plan:scheduled");
        assert_eq!(plan.meta("01J"), "{test:layout}:plan:meta:01J");
        assert_eq!(
            plan.idempotency("plan:exp_1"),
            "{test:layout}:plan:idempotency:plan:exp_1"
        );
    }

    #[test]
    fn only_jobs_that_cannot_run_again_are_finished_for_good() {
        assert!(finished_for_good(Some("Done"), false));
        assert!(finished_for_good(Some("Killed"), false));
        assert!(finished_for_good(None, false));
        assert!(finished_for_good(Some("Failed"), true));
        assert!(!finished_for_good(Some("Failed"), false));
        assert!(!finished_for_good(Some("Running"), false));
        assert!(!finished_for_good(Some("Pending"), false));
        assert!(!finished_for_good(Some("something new"), true));
    }
}
