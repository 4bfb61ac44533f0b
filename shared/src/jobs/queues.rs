//! The apalis-redis queues of one namespace.
//!
//! Queue names are pinned (never the Rust type path, which would rename the queue
//! when a module moves) and hash-tagged with the namespace, so every key of a queue
//! lands in one Redis Cluster slot and two namespaces never share a queue.

use std::time::Duration;

use apalis::prelude::TaskSink;
use apalis_redis::{Config, RedisStorage};

use super::{ChunkJob, FinalizeJob, PlanJob};
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
#[error("could not enqueue a {kind} job: {message}")]
pub struct QueueError {
    kind: &'static str,
    message: String,
}

/// Liveness settings shared by every queue of a worker.
#[derive(Debug, Clone, Copy)]
pub struct QueueSettings {
    /// How often a worker proves it is alive.
    pub heartbeat_interval: Duration,
    /// Beats a worker may miss before its in-flight jobs go to other workers.
    pub missed_heartbeats: usize,
}

impl Default for QueueSettings {
    /// 5 s × 3: a killed worker's jobs are picked up by the others within about 15 s
    /// (apalis defaults to minutes).
    fn default() -> Self {
        QueueSettings {
            heartbeat_interval: Duration::from_secs(5),
            missed_heartbeats: 3,
        }
    }
}

/// Handles to the plan, chunk and finalize queues; cheap to clone.
#[derive(Clone)]
pub struct Queues {
    pub plan: RedisStorage<PlanJob>,
    pub chunk: RedisStorage<ChunkJob>,
    pub finalize: RedisStorage<FinalizeJob>,
}

impl Queues {
    pub fn new(store: &Store, settings: QueueSettings) -> Queues {
        let conn = store.conn();
        let keys = store.keys();
        let config = |kind: &str| {
            Config::default()
                .queue(keys.queue(kind))
                .heartbeat_interval(settings.heartbeat_interval)
                .missed_heartbeats(settings.missed_heartbeats)
                // Few jobs are fetched at once: a chunk holds many records already, and a
                // small batch spreads an experiment's chunks over all workers.
                .batch_size(4)
        };
        Queues {
            plan: RedisStorage::new(conn.clone()).with_config(config("plan")),
            chunk: RedisStorage::new(conn.clone()).with_config(config("chunk")),
            finalize: RedisStorage::new(conn).with_config(config("finalize")),
        }
    }

    pub async fn push_plan(&self, job: PlanJob) -> Result<(), QueueError> {
        let mut queue = self.plan.clone();
        queue.push(job).await.map_err(|e| QueueError {
            kind: "plan",
            message: e.to_string(),
        })
    }

    pub async fn push_chunks(&self, jobs: Vec<ChunkJob>) -> Result<(), QueueError> {
        let mut queue = self.chunk.clone();
        queue.push_bulk(jobs).await.map_err(|e| QueueError {
            kind: "chunk",
            message: e.to_string(),
        })
    }

    pub async fn push_finalize(&self, job: FinalizeJob) -> Result<(), QueueError> {
        let mut queue = self.finalize.clone();
        queue.push(job).await.map_err(|e| QueueError {
            kind: "finalize",
            message: e.to_string(),
        })
    }
}
