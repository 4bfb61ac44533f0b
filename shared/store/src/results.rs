//! Record results: written once per (experiment, record, trial), counted once.
//!
//! A result's field in the results hash is `RecordResult::key` — the record id for
//! trial 0 (the layout from before trials), the id and the trial after it; the
//! attempts hash and the order list use the same key.
//!
//! A chunk job may run twice (its worker died, or Redis dropped the ack), so every
//! record goes through `begin_record` — which says whether a result exists already,
//! whether the run was cancelled or the experiment stopped, takes one of the
//! experiment's `jobs` call leases, and counts attempts so a record that keeps killing
//! its worker is given up on — and `write_result`, whose `HSETNX` lets only the first
//! result in, bumps the counters, adds the result to the experiment's running totals
//! (`ResultTotals`, so `finalize` never reads every result) and gives the lease back
//! in the same script.
//!
//! The lease is taken and returned inside these two scripts so the cluster-wide cap
//! costs no extra round trip per record (see `leases.rs` for renewal and expiry).

use chrono::Utc;
use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::events::PROGRESS_NOTICES;
use super::result_codec::{decode, encode};
use super::{Store, StoreError, WorkerStore};
use tally_core::run::{
    ExperimentId, Progress, RecordResult, RecordStatus, ResultTotals, RunId, result_key,
};

/// What a worker may do with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStart {
    /// Go ahead; this is the `attempt`-th time a worker starts the record.
    Proceed { attempt: u32 },
    /// A result is stored already (the chunk is being re-executed).
    AlreadyDone,
    /// The run was cancelled.
    Cancelled,
    /// The experiment was stopped by `raise_errors` or is final.
    Stopped,
    /// All of the experiment's `jobs` leases are held: try again shortly.
    Busy,
}

/// The call lease `begin_record` takes for a record it lets proceed.
#[derive(Debug, Clone, Copy)]
pub struct LeaseRequest<'a> {
    /// Unique across the cluster (worker name + a counter).
    pub id: &'a str,
    /// The experiment's `jobs`: leases that may be held at once.
    pub cap: u64,
    /// How long the lease lasts unless renewed (a dead worker's lease returns then).
    pub ttl: Duration,
}

/// KEYS: experiment, run, attempts, results, leases. ARGV: result key, now, lease id,
/// lease cap, lease ttl (ms), notice channel, experiment id (the notice when it
/// starts). Lease expiry uses Redis's clock, so workers' clocks
/// need not agree.
static BEGIN_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return {'done', 0} end
if redis.call('HEXISTS', KEYS[2], 'cancel') == 1 then return {'cancelled', 0} end
local status = redis.call('HGET', KEYS[1], 'status')
if (status ~= 'pending' and status ~= 'running') or redis.call('HEXISTS', KEYS[1], 'aborted') == 1 then
  return {'stopped', 0}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
if redis.call('ZCARD', KEYS[5]) >= tonumber(ARGV[4]) then return {'busy', 0} end
redis.call('ZADD', KEYS[5], now + tonumber(ARGV[5]), ARGV[3])
local attempt = redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
if status == 'pending' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[2])
  redis.call('PUBLISH', ARGV[6], ARGV[7])
end
if redis.call('HGET', KEYS[2], 'status') == 'queued' then
  redis.call('HSET', KEYS[2], 'status', 'running', 'started_at', ARGV[2])
end
return {'proceed', attempt}
"#,
    )
});

/// KEYS: results, order, experiment, leases, totals. ARGV: result key, stored result
/// (`result_codec`), failed (0/1), retries, rate limited, lease to release ('' =
/// none), notice channel, experiment id, notices per experiment
/// (`events::PROGRESS_NOTICES`), then pairs of a totals field and its increment
/// (`ResultTotals::increments`), added only when the result is the one kept.
/// Returns {written (0/1), total, done, failed, retries, rate_limited}.
static WRITE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if ARGV[6] ~= '' then redis.call('ZREM', KEYS[4], ARGV[6]) end
-- An experiment whose retention ended is gone: a straggler's result is not kept.
if redis.call('EXISTS', KEYS[3]) == 0 then return {0, 0, 0, 0, 0, 0} end
local written = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
if written == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  -- A result written after the run was retired expires with the run.
  local ttl = redis.call('PTTL', KEYS[3])
  for i = 10, #ARGV, 2 do redis.call('HINCRBY', KEYS[5], ARGV[i], ARGV[i + 1]) end
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[1], ttl)
    redis.call('PEXPIRE', KEYS[2], ttl)
    redis.call('PEXPIRE', KEYS[5], ttl)
  end
  redis.call('HINCRBY', KEYS[3], 'done', 1)
  redis.call('HINCRBY', KEYS[3], 'failed', ARGV[3])
  redis.call('HINCRBY', KEYS[3], 'retries', ARGV[4])
  redis.call('HINCRBY', KEYS[3], 'rate_limited', ARGV[5])
end
local c = redis.call('HMGET', KEYS[3], 'total', 'done', 'failed', 'retries', 'rate_limited')
if written == 1 then
  local total, done = tonumber(c[1]) or 0, tonumber(c[2]) or 0
  local step = math.max(1, math.floor(total / tonumber(ARGV[9])))
  if done % step == 0 or done >= total then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
end
return {written, tonumber(c[1]) or 0, tonumber(c[2]) or 0, tonumber(c[3]) or 0,
  tonumber(c[4]) or 0, tonumber(c[5]) or 0}
"#,
    )
});

impl WorkerStore {
    /// Whether a worker may process the result `key` (`result_key`: a record at a
    /// trial) now; when it may (`Proceed`), the lease `lease` is held in the
    /// experiment's name until `write_result` (or `release_lease`) gives it back, or
    /// it expires.
    pub async fn begin_record(
        &self,
        run: &RunId,
        experiment: &ExperimentId,
        key: &str,
        lease: &LeaseRequest<'_>,
    ) -> Result<RecordStart, StoreError> {
        let (verdict, attempt): (String, u32) = BEGIN_SCRIPT
            .key(self.keys.experiment(experiment))
            .key(self.keys.run(run))
            .key(self.keys.experiment_attempts(experiment))
            .key(self.keys.experiment_results(experiment))
            .key(self.keys.experiment_leases(experiment))
            .arg(key)
            .arg(Utc::now().to_rfc3339())
            .arg(lease.id)
            .arg(lease.cap)
            .arg(lease.ttl.as_millis() as u64)
            .arg(self.keys.events())
            .arg(experiment.as_str())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(match verdict.as_str() {
            "proceed" => RecordStart::Proceed { attempt },
            "done" => RecordStart::AlreadyDone,
            "cancelled" => RecordStart::Cancelled,
            "busy" => RecordStart::Busy,
            _ => RecordStart::Stopped,
        })
    }

    /// Stores a record's result unless one is stored already, and gives back the call
    /// lease `release` (if any); either way returns the experiment's progress after
    /// the call, and whether this result was the one kept.
    pub async fn write_result(
        &self,
        experiment: &ExperimentId,
        result: &RecordResult,
        release: Option<&str>,
    ) -> Result<(bool, Progress), StoreError> {
        let stored = encode(result)?;
        let mut invocation = WRITE_SCRIPT.prepare_invoke();
        invocation
            .key(self.keys.experiment_results(experiment))
            .key(self.keys.experiment_order(experiment))
            .key(self.keys.experiment(experiment))
            .key(self.keys.experiment_leases(experiment))
            .key(self.keys.experiment_totals(experiment))
            .arg(result.key())
            .arg(stored)
            .arg(u8::from(result.status == RecordStatus::Failed))
            .arg(result.retries())
            .arg(result.rate_limited)
            .arg(release.unwrap_or(""))
            .arg(self.keys.events())
            .arg(experiment.as_str())
            .arg(PROGRESS_NOTICES);
        for (field, by) in ResultTotals::increments(result) {
            invocation.arg(field).arg(by);
        }
        let (written, total, done, failed, retries, rate_limited): (u8, u64, u64, u64, u64, u64) =
            invocation.invoke_async(&mut self.conn()).await?;
        Ok((
            written == 1,
            Progress {
                total,
                done,
                failed,
                retries,
                rate_limited,
            },
        ))
    }
}

impl Store {
    /// Results in the order they were written: `limit` from `offset`.
    pub async fn results_page(
        &self,
        experiment: &ExperimentId,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<RecordResult>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = redis::cmd("LRANGE")
            .arg(self.keys.experiment_order(experiment))
            .arg(offset)
            .arg(offset + limit - 1)
            .query_async(&mut self.conn())
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.keys.experiment_results(experiment);
        let rows: Vec<Option<Vec<u8>>> = redis::cmd("HMGET")
            .arg(&key)
            .arg(&ids)
            .query_async(&mut self.conn())
            .await?;
        rows.iter().flatten().map(|row| decode(&key, row)).collect()
    }

    /// Every result of an experiment (for its summary and exports).
    pub async fn all_results(
        &self,
        experiment: &ExperimentId,
    ) -> Result<Vec<RecordResult>, StoreError> {
        let key = self.keys.experiment_results(experiment);
        let rows: Vec<Vec<u8>> = redis::cmd("HVALS")
            .arg(&key)
            .query_async(&mut self.conn())
            .await?;
        rows.iter().map(|row| decode(&key, row)).collect()
    }

    /// The running totals of an experiment's results (one read, whatever their number).
    pub async fn result_totals(
        &self,
        experiment: &ExperimentId,
    ) -> Result<ResultTotals, StoreError> {
        let fields: Vec<(String, i64)> = redis::cmd("HGETALL")
            .arg(self.keys.experiment_totals(experiment))
            .query_async(&mut self.conn())
            .await?;
        Ok(ResultTotals::from_fields(fields))
    }

    /// One record's result at one trial, if it has one.
    pub async fn record_result(
        &self,
        experiment: &ExperimentId,
        record_id: &str,
        trial: u32,
    ) -> Result<Option<RecordResult>, StoreError> {
        let key = self.keys.experiment_results(experiment);
        let row: Option<Vec<u8>> = redis::cmd("HGET")
            .arg(&key)
            .arg(result_key(record_id, trial))
            .query_async(&mut self.conn())
            .await?;
        row.map(|row| decode(&key, &row)).transpose()
    }
}
