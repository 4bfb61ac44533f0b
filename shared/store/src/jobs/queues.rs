//! The apalis-redis queues of one namespace.
//!
//! Queue names are pinned (never the Rust type path, which would rename the queue
//! when a module moves) and hash-tagged with the namespace, so every key of a queue
//! lands in one Redis Cluster slot and two namespaces never share a queue.
//!
//! Every job is pushed with an idempotency key naming what it does (`chunk:<exp>:7`):
//! a job pushed twice — by a re-executed chunk, a retried plan, a cancel racing the
//! last record — is enqueued once.
//!
//! Every push is announced on `Keys::queue_pushes` (`wake`), so idle workers fetch
//! at once.

use std::time::Duration;

use apalis::prelude::{TaskBuilder, TaskSink};
use apalis_redis::{Config, RedisStorage};
use futures::stream;

use super::{ChunkJob, FinalizeJob, PlanJob};
use crate::{Store, StoreConnection};

/// How long an idempotency key is remembered: longer than any run lasts.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

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
    /// How often a worker with room for jobs looks at a queue nobody announced a push
    /// to (`TALLY_QUEUE_POLL_MS`): announced pushes wake it at once (`wake`).
    pub idle_poll: Duration,
}

/// The default of `QueueSettings::idle_poll`: what is not announced (a retry coming
/// due, a dead worker's job put back) waits at most this long, and an idle worker
/// costs Redis 3 small scripts a second.
pub const DEFAULT_IDLE_POLL: Duration = Duration::from_secs(1);

impl Default for QueueSettings {
    /// 5 s × 3: a killed worker's jobs are picked up by the others within about 15 s
    /// (apalis defaults to minutes).
    fn default() -> Self {
        QueueSettings {
            heartbeat_interval: Duration::from_secs(5),
            missed_heartbeats: 3,
            idle_poll: DEFAULT_IDLE_POLL,
        }
    }
}

/// Handles to the plan, chunk and finalize queues; cheap to clone. Only a
/// `WorkerStore` hands them out: they are what apalis workers consume.
#[derive(Clone)]
pub struct Queues {
    /// The beats every queue's workers keep.
    pub settings: QueueSettings,
    // On the store's connection: the queues follow the primary with everything else.
    pub plan: RedisStorage<PlanJob, StoreConnection>,
    pub chunk: RedisStorage<ChunkJob, StoreConnection>,
    pub finalize: RedisStorage<FinalizeJob, StoreConnection>,
    conn: StoreConnection,
    /// `Keys::queue_pushes`.
    pushes: String,
}

impl Queues {
    pub(crate) fn new(store: &Store, settings: QueueSettings) -> Queues {
        let conn = store.conn();
        let keys = store.keys();
        let config = |kind: &str| {
            Config::default()
                .queue(keys.queue(kind))
                .heartbeat_interval(settings.heartbeat_interval)
                .missed_heartbeats(settings.missed_heartbeats)
                .idempotency_ttl(Some(IDEMPOTENCY_TTL))
                // One job per fetch: a chunk holds many records already, one at a time
                // spreads an experiment's chunks over all workers, and a worker never
                // holds fetched jobs it has no slot for. (apalis-core skips the
                // heartbeat while fetched jobs wait in its buffer: with slow chunks
                // the worker would be declared dead and its jobs run twice.)
                .batch_size(1)
        };
        Queues {
            settings,
            plan: RedisStorage::new(conn.clone()).with_config(config("plan")),
            chunk: RedisStorage::new(conn.clone()).with_config(config("chunk")),
            finalize: RedisStorage::new(conn.clone()).with_config(config("finalize")),
            conn,
            pushes: keys.queue_pushes(),
        }
    }

    pub async fn push_plan(&self, job: PlanJob) -> Result<(), QueueError> {
        let key = job.idempotency_key();
        let task = TaskBuilder::new(job).idempotency_key(key).build();
        self.plan
            .clone()
            .push_task(task)
            .await
            .map_err(|e| error("plan", e))?;
        self.announce("plan").await;
        Ok(())
    }

    pub async fn push_chunks(&self, jobs: Vec<ChunkJob>) -> Result<(), QueueError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let tasks = jobs.into_iter().map(|job| {
            let key = job.idempotency_key();
            TaskBuilder::new(job).idempotency_key(key).build()
        });
        self.chunk
            .clone()
            .push_all(stream::iter(tasks))
            .await
            .map_err(|e| error("chunk", e))?;
        self.announce("chunk").await;
        Ok(())
    }

    pub async fn push_finalize(&self, job: FinalizeJob) -> Result<(), QueueError> {
        let key = job.idempotency_key();
        let task = TaskBuilder::new(job).idempotency_key(key).build();
        self.finalize
            .clone()
            .push_task(task)
            .await
            .map_err(|e| error("finalize", e))?;
        self.announce("finalize").await;
        Ok(())
    }

    /// Tells idle workers that the `kind` queue has a job. An announcement that fails
    /// loses nothing: the job is queued, and idle workers find it on their next poll.
    async fn announce(&self, kind: &str) {
        let mut conn = self.conn.clone();
        let published: Result<u64, _> = redis::cmd("PUBLISH")
            .arg(&self.pushes)
            .arg(kind)
            .query_async(&mut conn)
            .await;
        if let Err(error) = published {
            tracing::debug!(%error, kind, "a push was not announced; idle workers poll for it");
        }
    }
}

fn error(kind: &'static str, error: impl std::fmt::Display) -> QueueError {
    QueueError {
        kind,
        message: error.to_string(),
    }
}
