//! The Datadog export outbox: final runs waiting to be mirrored to Datadog, and
//! what each export has done so far, so a retried or resumed export repeats nothing
//! that Datadog already has.
//!
//! `{ns}:dd:outbox` is a sorted set of run id → when it is next due (ms). A worker
//! claims the earliest due run by pushing its due time one lease ahead: if the
//! worker dies, the run is due again when the lease runs out, and another worker
//! resumes it from the progress hash `{ns}:dd:export:{run_id}`. Datadog's ids
//! (project, dataset per content hash, experiment per tally experiment) are
//! remembered the moment they are known.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use chrono::Utc;
use redis::{AsyncCommands, Script};
use tally_core::run::RunId;

use crate::Store;
use crate::error::StoreError;
use crate::roles::WorkerStore;

/// Progress of one export is kept this long after it ends, for status pages.
const KEEP_DONE: Duration = Duration::from_secs(90 * 24 * 3600);
/// A run's sealed keys outlive any export Datadog still takes (events older than
/// 24 hours are refused) and are deleted when the export ends.
const KEEP_KEYS: Duration = Duration::from_secs(48 * 3600);

/// Queues a run unless its export already ended; a run already queued keeps its
/// due time (a retry's backoff is not cut short).
static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HEXISTS', KEYS[2], 'state') == 1 and redis.call('HGET', KEYS[2], 'state') ~= 'pending' then
  return 0
end
redis.call('HSETNX', KEYS[2], 'state', 'pending')
return redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
",
    )
});

/// The earliest run due at `now`, its due time moved to `now + lease`.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #due == 0 then return false end
redis.call('ZADD', KEYS[1], 'XX', ARGV[1] + ARGV[2], due[1])
return due[1]
",
    )
});

/// How an export attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportEnd {
    /// Everything is in Datadog.
    Exported,
    /// Datadog refused it for good (bad key, payload Datadog will never take).
    Failed(String),
}

impl Store {
    /// What an export has done so far (field → value); empty when never queued.
    pub async fn export_progress(
        &self,
        run: &RunId,
    ) -> Result<HashMap<String, String>, StoreError> {
        Ok(self.conn().hgetall(self.keys.datadog_export(run)).await?)
    }

    /// How the most recent export to end (or to fail an attempt) went: `outcome`
    /// (`exported`, `failed`, `retrying`), `run_id`, `at`, `error`; empty before
    /// the first.
    pub async fn last_export(&self) -> Result<HashMap<String, String>, StoreError> {
        Ok(self.conn().hgetall(self.keys.datadog_last()).await?)
    }

    /// Runs waiting in the outbox (claimed or not).
    pub async fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(self.conn().zcard(self.keys.datadog_outbox()).await?)
    }

    /// A run's own Datadog keys, sealed (`Store::keep_export_keys`); `None` when the
    /// run brought none or its export has ended.
    pub async fn export_keys(&self, run: &RunId) -> Result<Option<String>, StoreError> {
        Ok(self.conn().get(self.keys.datadog_keys(run)).await?)
    }

    /// Keeps a run's sealed Datadog keys until its export ends (at most 48 hours).
    pub(crate) async fn keep_export_keys(
        &self,
        run: &RunId,
        sealed: &str,
    ) -> Result<(), StoreError> {
        let _: () = self
            .conn()
            .set_ex(self.keys.datadog_keys(run), sealed, KEEP_KEYS.as_secs())
            .await?;
        Ok(())
    }

    /// A Datadog id remembered across runs (a dataset version pushed once per
    /// content hash), under `field`.
    pub async fn datadog_id(&self, field: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn().hget(self.keys.datadog_ids(), field).await?)
    }
}

impl WorkerStore {
    /// Queues `run` for export now, unless its export already ended. Idempotent.
    pub async fn enqueue_export(&self, run: &RunId) -> Result<bool, StoreError> {
        let added: i64 = ENQUEUE
            .key(self.keys.datadog_outbox())
            .key(self.keys.datadog_export(run))
            .arg(Utc::now().timestamp_millis())
            .arg(run.as_str())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(added == 1)
    }

    /// Claims the earliest due run for `lease`; `None` when nothing is due.
    pub async fn claim_export(&self, lease: Duration) -> Result<Option<String>, StoreError> {
        Ok(CLAIM
            .key(self.keys.datadog_outbox())
            .arg(Utc::now().timestamp_millis())
            .arg(lease.as_millis() as u64)
            .invoke_async(&mut self.conn())
            .await?)
    }

    /// Records a step's result in the export's progress (`field` → `value`) and
    /// renews the claim for `lease`: an export that makes progress stays its
    /// worker's however long the run, and no second worker sends the same batch.
    pub async fn record_export_step(
        &self,
        run: &RunId,
        field: &str,
        value: &str,
        lease: Duration,
    ) -> Result<(), StoreError> {
        let due = Utc::now().timestamp_millis() + lease.as_millis() as i64;
        let _: () = redis::pipe()
            .atomic()
            .hset(self.keys.datadog_export(run), field, value)
            .ignore()
            .cmd("ZADD")
            .arg(self.keys.datadog_outbox())
            .arg("XX")
            .arg(due)
            .arg(run.as_str())
            .ignore()
            .query_async(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Remembers a Datadog id shared by runs (see `datadog_id`).
    pub async fn remember_datadog_id(&self, field: &str, id: &str) -> Result<(), StoreError> {
        let _: () = self.conn().hset(self.keys.datadog_ids(), field, id).await?;
        Ok(())
    }

    /// A failed attempt that may succeed later: due again after `backoff`.
    pub async fn retry_export(
        &self,
        run: &RunId,
        backoff: Duration,
        error: &str,
    ) -> Result<(), StoreError> {
        let due = Utc::now().timestamp_millis() + backoff.as_millis() as i64;
        let _: () = redis::pipe()
            .atomic()
            .zadd(self.keys.datadog_outbox(), run.as_str(), due)
            .ignore()
            .hincr(self.keys.datadog_export(run), "attempts", 1)
            .ignore()
            .hset(self.keys.datadog_export(run), "last_error", error)
            .ignore()
            .hset_multiple(self.keys.datadog_last(), &last("retrying", run, error))
            .ignore()
            .query_async(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Drops an outbox member that names no run (written by hand, or corrupt).
    pub async fn forget_export(&self, member: &str) -> Result<(), StoreError> {
        let _: () = self.conn().zrem(self.keys.datadog_outbox(), member).await?;
        Ok(())
    }

    /// Ends the export: out of the outbox, its state final, the run's own keys
    /// deleted.
    pub async fn end_export(&self, run: &RunId, end: &ExportEnd) -> Result<(), StoreError> {
        let key = self.keys.datadog_export(run);
        let mut pipe = redis::pipe();
        pipe.atomic();
        match end {
            ExportEnd::Exported => pipe
                .hset(&key, "state", "exported")
                .ignore()
                .hset_multiple(self.keys.datadog_last(), &last("exported", run, ""))
                .ignore(),
            ExportEnd::Failed(error) => pipe
                .hset(&key, "state", "failed")
                .ignore()
                .hset(&key, "last_error", error)
                .ignore()
                .hset_multiple(self.keys.datadog_last(), &last("failed", run, error))
                .ignore(),
        };
        let _: () = pipe
            .hset(&key, "ended_at", Utc::now().to_rfc3339())
            .ignore()
            .expire(&key, KEEP_DONE.as_secs() as i64)
            .ignore()
            .zrem(self.keys.datadog_outbox(), run.as_str())
            .ignore()
            .del(self.keys.datadog_keys(run))
            .ignore()
            .query_async(&mut self.conn())
            .await?;
        Ok(())
    }
}

/// The fields of `{ns}:dd:last`.
fn last<'a>(outcome: &'a str, run: &'a RunId, error: &'a str) -> [(&'static str, String); 4] {
    [
        ("outcome", outcome.to_string()),
        ("run_id", run.as_str().to_string()),
        ("at", Utc::now().to_rfc3339()),
        ("error", error.to_string()),
    ]
}
