//! The Redis store: the only stateful part of tally.
//!
//! - `settings`: `StoreSettings` from `TALLY_REDIS_URL`, `TALLY_NAMESPACE`, the memory
//!   budget and the sentinels.
//! - `connection`: `StoreConnection`, the shared connection (with its timeouts) to
//!   the primary, followed through Sentinel across a failover.
//! - `namespace`: `Namespace`, the prefix of every key.
//! - `keys`: the one place where Redis keys are built (and the key layout documented).
//! - `error`: `StoreError`.
//! - `datadog_outbox`: final runs waiting for their Datadog export, and its progress.
//! - `datasets`: immutable, numbered dataset versions and their records
//!   (`record_blocks`: stored deflated in blocks; `compress`: the deflate helpers).
//! - `footprint`: what a run or a dataset will take of Redis memory, refused before
//!   it starts when it would not fit (`TALLY_REDIS_MEMORY_BUDGET` or `maxmemory`).
//! - `runs`: runs created with their experiments; cancel; completion exactly once.
//! - `experiments`: live experiment state, abort and finish.
//! - `events`: the change notices the scripts publish, and the subscription to them.
//! - `results`: per-record results, written once and counted once (`record_starts`:
//!   records started in groups; `result_writes`: results written in groups);
//!   `result_codec`: how one is stored (zstd with a trained dictionary).
//! - `health`: the write probe that classifies Redis as a `StoreCondition`
//!   (`condition`: reachable, slow, out of memory, read-only, loading, unreachable).
//! - `store_backoff`: the exponential backoff and rate-limited error log of every
//!   daemon loop that talks to Redis.
//! - `schedules`: schedules (API edits and file seeding), slot claims, the cursor of
//!   handled slots, skipped slots, the once-per-run regression check.
//! - `leases`: renewal and expiry of the call leases behind an experiment's `jobs` cap.
//! - `rate_limits`: the shared per-model rate limiter; `daily_quota`: requests per
//!   Pacific day and the wait for the next one; `spend`: the spend cap's schedule.
//! - `response_cache`: compressed model answers kept between runs, with a TTL.
//! - `retention`: time-to-live of final runs, pruning of indexes, vacuum of job
//!   bookkeeping.
//!
//! - `jobs`: the plan / chunk / finalize jobs and their queues; `jobs::apalis_layout`
//!   is the one place that knows where apalis-redis keeps a queue's state.
//! - `submission`: creating a run from a validated request (API and scheduler).
//! - `import`: importing a dataset folder (or records from Datadog) as a new (or the
//!   existing identical) version.
//! - `roles`: the handle of each daemon — `ApiStore`, `WorkerStore`, `SchedulerStore`.
//!
//! Each concern adds its operations in its own file: reads on `Store`, which every
//! role handle dereferences to, and writes on the handle of the role that may make
//! them (`impl WorkerStore`, …). They share the one `StoreConnection`, which
//! reconnects by itself and is cheap to clone per call.

mod batches;
mod compress;
mod condition;
mod connection;
mod daily_quota;
mod datadog_outbox;
mod dataset_staging;
mod datasets;
mod error;
pub mod events;
mod experiments;
mod footprint;
mod health;
mod import;
pub mod jobs;
mod keys;
mod labelsets;
mod leases;
mod namespace;
mod rate_limits;
mod record_blocks;
mod record_starts;
mod response_cache;
mod result_codec;
mod result_writes;
mod results;
mod retention;
mod retry;
mod roles;
mod runs;
mod schedules;
mod settings;
mod spend;
pub mod store_backoff;
pub mod submission;

pub use batches::RecordedBatch;
pub use condition::StoreCondition;
pub use connection::{CONNECT_TIMEOUT, RESPONSE_TIMEOUT, StoreConnection};
pub use datadog_outbox::ExportEnd;
pub use dataset_staging::VersionStaging;
pub use datasets::{DatasetVersion, Registered};
pub use error::StoreError;
pub use experiments::ExperimentView;
pub use footprint::{BYTES_PER_RESULT, Footprint, Room, WontFit};
pub use health::{RedisMemory, StoreHealth};
pub use import::{
    ImportError, ImportOutcome, import, import_lines, load_folder, records_relative_to_folder,
    register,
};
pub use keys::Keys;
pub use labelsets::{LabelSet, LabelSetRecord, LabelWrite, Lease, Prefill};
pub use namespace::{DEFAULT_NAMESPACE, InvalidNamespace, Namespace};
pub use rate_limits::{ModelPace, RateState, Reservation, Slot, Slowdown};
pub use record_starts::{RecordBegin, RecordStart};
pub use result_writes::ResultWrite;
pub use retention::{VacuumEntry, Vacuumed};
pub use retry::RetryOutcome;
pub use roles::{ApiStore, SchedulerStore, WorkerStore};
pub use runs::{CancelOutcome, Created, RunFilter};
pub use schedules::{
    ScheduleOrigin, ScheduleView, SeedOutcome, SkippedSlots, SlotClaim, SlotRefusal,
};
pub use settings::{
    DEFAULT_REDIS_URL, InvalidStoreSetting, MEMORY_BUDGET_ENV, NAMESPACE_ENV, REDIS_URL_ENV,
    RedisUrl, SENTINEL_MASTER_ENV, SENTINELS_ENV, SentinelSettings, StoreSettings,
};
pub use spend::SpendPace;
pub use tally_core::run::{IdempotencyKey, RunView};

/// The store's reads, and the connection and keys every role handle shares; clone
/// it freely (clones share the connection). Writes are on the handle of the role
/// that may make them: [`ApiStore`], [`WorkerStore`], [`SchedulerStore`].
#[derive(Clone)]
pub struct Store {
    conn: StoreConnection,
    keys: Keys,
    /// `TALLY_REDIS_MEMORY_BUDGET` (`footprint`).
    memory_budget: Option<u64>,
}

impl Store {
    /// Connects to Redis. Fails when it does not answer within a few seconds, so a
    /// daemon started without Redis says so instead of hanging.
    pub async fn connect(settings: &StoreSettings) -> Result<Store, StoreError> {
        let conn = StoreConnection::connect(settings).await?;
        Ok(Store {
            conn,
            keys: Keys::new(settings.namespace.clone()),
            memory_budget: settings.memory_budget,
        })
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The members of the set at `key`, each parsed (a member that does not parse
    /// means the store is corrupt), sorted.
    pub(crate) async fn sorted_members<T: Ord, E: std::fmt::Display>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Vec<T>, StoreError> {
        let raw: Vec<String> = redis::cmd("SMEMBERS")
            .arg(key)
            .query_async(&mut self.conn())
            .await?;
        let mut members = raw
            .iter()
            .map(|member| parse(member).map_err(|e| error::corrupt(key, e)))
            .collect::<Result<Vec<_>, _>>()?;
        members.sort();
        Ok(members)
    }

    /// A connection for one operation (a clone of the shared one).
    pub(crate) fn conn(&self) -> StoreConnection {
        self.conn.clone()
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("namespace", self.keys.namespace())
            .finish()
    }
}
