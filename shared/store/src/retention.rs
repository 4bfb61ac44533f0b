//! Retention: what a final run leaves behind, and for how long.
//!
//! When a run is final, `retire_run`
//! - gives its keys (run, experiments, results, result order) a time-to-live, the
//!   retention period: Redis deletes them when it ends;
//! - deletes what only a running experiment needs (start counts, call leases);
//! - notes the run for `prune_expired`, which drops it from the run indexes once its
//!   keys are gone (an index entry cannot expire by itself);
//! - notes each experiment for `vacuum_due`, which deletes the job bookkeeping the
//!   queues keep of it (apalis-redis never deletes anything: job payload, status
//!   hash, done-set entry, idempotency key of every plan, chunk and finalize job).
//!
//! A job is vacuumed only once it is finished for good (`Done`, `Killed`, or `Failed`
//! and dead): deleting a job that is still running or scheduled for a retry would
//! break its worker's acknowledgement. Experiments with such jobs are looked at
//! again later. A retired run whose keys expired leaves nothing behind, so a weekly
//! schedule does not grow the store.

use chrono::{DateTime, Utc};
use std::time::Duration;

use super::error::corrupt;
use super::{Store, StoreError, WorkerStore};
use crate::jobs::apalis_layout::{self, QueueLayout};
use crate::jobs::idempotency_keys;
use tally_core::run::{ExperimentId, RunId, RunRecord};

/// Jobs looked up per round trip while vacuuming.
const VACUUM_BATCH: usize = 500;

/// An experiment whose queue bookkeeping is to be vacuumed: its id and how many
/// chunk jobs it may have had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VacuumEntry {
    pub experiment: ExperimentId,
    pub chunks: u64,
}

impl VacuumEntry {
    fn member(&self) -> String {
        format!("{}:{}", self.experiment, self.chunks)
    }

    fn parse(key: &str, member: &str) -> Result<VacuumEntry, StoreError> {
        let (id, chunks) = member.rsplit_once(':').ok_or_else(|| {
            corrupt(
                key,
                format!("member {member:?} is not <experiment>:<chunks>"),
            )
        })?;
        Ok(VacuumEntry {
            experiment: ExperimentId::parse(id).map_err(|e| corrupt(key, e))?,
            chunks: chunks.parse().map_err(|e| corrupt(key, e))?,
        })
    }
}

/// What one pass of `vacuum_due` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vacuumed {
    /// Experiments whose bookkeeping is now gone.
    pub experiments: usize,
    /// Jobs deleted.
    pub jobs: usize,
    /// Experiments with jobs still running or scheduled, looked at again later.
    pub postponed: usize,
}

impl WorkerStore {
    /// Starts the retention of the final run `run` (whose experiments had `chunks`
    /// chunk jobs at most): its keys expire after `retention`. Idempotent.
    pub async fn retire_run(
        &self,
        run: &RunRecord,
        experiments: &[VacuumEntry],
        retention: Duration,
    ) -> Result<(), StoreError> {
        let ttl_ms = retention.as_millis().max(1) as u64;
        let now = Utc::now().timestamp_millis();
        let expires_at = now.saturating_add(ttl_ms as i64);
        let id = &run.run_id;
        let mut pipe = redis::pipe();
        pipe.cmd("PEXPIRE")
            .arg(self.keys.run(id))
            .arg(ttl_ms)
            .ignore();
        // A chain's list of retries lives as long as its latest retired run.
        pipe.cmd("PEXPIRE")
            .arg(self.keys.run_retries(run.retry_of.as_ref().unwrap_or(id)))
            .arg(ttl_ms)
            .ignore();
        for entry in experiments {
            let experiment = &entry.experiment;
            for key in [
                self.keys.experiment(experiment),
                self.keys.experiment_results(experiment),
                self.keys.experiment_order(experiment),
                self.keys.experiment_totals(experiment),
                self.keys.experiment_batches(experiment),
            ] {
                pipe.cmd("PEXPIRE").arg(key).arg(ttl_ms).ignore();
            }
            pipe.cmd("DEL")
                .arg(self.keys.experiment_attempts(experiment))
                .arg(self.keys.experiment_leases(experiment))
                .ignore();
            pipe.cmd("ZADD")
                .arg(self.keys.vacuum())
                .arg("NX")
                .arg(now)
                .arg(entry.member())
                .ignore();
        }
        pipe.cmd("ZADD")
            .arg(self.keys.retention())
            .arg(expires_at)
            .arg(id.as_str())
            .ignore();
        if let Some(schedule) = &run.submitter.schedule {
            pipe.cmd("HSET")
                .arg(self.keys.retention_schedules())
                .arg(id.as_str())
                .arg(schedule)
                .ignore();
        }
        pipe.query_async::<()>(&mut self.conn()).await?;
        Ok(())
    }
}

impl Store {
    /// Whether `run` has been retired (its keys carry the retention time-to-live).
    pub async fn is_retired(&self, run: &RunId) -> Result<bool, StoreError> {
        let score: Option<f64> = redis::cmd("ZSCORE")
            .arg(self.keys.retention())
            .arg(run.as_str())
            .query_async(&mut self.conn())
            .await?;
        Ok(score.is_some())
    }
}

impl WorkerStore {
    /// Vacuums the queue bookkeeping of up to `limit` retired experiments due by
    /// `now`; experiments with unfinished jobs are due again `retry_in` later.
    pub async fn vacuum_due(
        &self,
        now: DateTime<Utc>,
        retry_in: Duration,
        limit: usize,
    ) -> Result<Vacuumed, StoreError> {
        let key = self.keys.vacuum();
        let members: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg(now.timestamp_millis())
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut self.conn())
            .await?;
        let mut outcome = Vacuumed::default();
        for member in members {
            let entry = VacuumEntry::parse(&key, &member)?;
            let (deleted, complete) = self.vacuum_experiment(&entry).await?;
            outcome.jobs += deleted;
            if complete {
                outcome.experiments += 1;
                let _: u64 = redis::cmd("ZREM")
                    .arg(&key)
                    .arg(&member)
                    .query_async(&mut self.conn())
                    .await?;
            } else {
                outcome.postponed += 1;
                let again = now.timestamp_millis() + retry_in.as_millis() as i64;
                let _: u64 = redis::cmd("ZADD")
                    .arg(&key)
                    .arg(again)
                    .arg(&member)
                    .query_async(&mut self.conn())
                    .await?;
            }
        }
        Ok(outcome)
    }

    /// Deletes the finished jobs of one experiment; returns how many, and whether
    /// none is left.
    async fn vacuum_experiment(&self, entry: &VacuumEntry) -> Result<(usize, bool), StoreError> {
        let jobs = idempotency_keys(&entry.experiment, entry.chunks);
        let mut deleted = 0;
        let mut complete = true;
        for batch in jobs.chunks(VACUUM_BATCH) {
            let batch: Vec<(QueueLayout, &String)> = batch
                .iter()
                .map(|(kind, job_key)| (QueueLayout::of(&self.keys, kind), job_key))
                .collect();
            let idempotency: Vec<String> = batch
                .iter()
                .map(|(layout, job_key)| layout.idempotency(job_key))
                .collect();
            let ids: Vec<Option<String>> = redis::cmd("MGET")
                .arg(&idempotency)
                .query_async(&mut self.conn())
                .await?;
            let known: Vec<(&QueueLayout, &str, &String)> = batch
                .iter()
                .zip(&idempotency)
                .zip(&ids)
                .filter_map(|(((layout, _), idem), id)| {
                    id.as_ref().map(|id| (layout, id.as_str(), idem))
                })
                .collect();
            if known.is_empty() {
                continue;
            }
            let mut states = redis::pipe();
            for (layout, id, _) in &known {
                states
                    .cmd("HGET")
                    .arg(layout.meta(id))
                    .arg(apalis_layout::STATUS_FIELD)
                    .cmd("SISMEMBER")
                    .arg(layout.dead())
                    .arg(*id);
            }
            let states: Vec<(Option<String>, bool)> = states.query_async(&mut self.conn()).await?;
            let mut removal = redis::pipe();
            for ((layout, id, idem), (status, dead)) in known.iter().zip(states) {
                if !apalis_layout::finished_for_good(status.as_deref(), dead) {
                    complete = false;
                    continue;
                }
                removal.cmd("HDEL").arg(layout.data()).arg(*id).ignore();
                removal.cmd("DEL").arg(layout.meta(id)).arg(*idem).ignore();
                for set in layout.finished_sets() {
                    removal.cmd("SREM").arg(set).arg(*id).ignore();
                }
                deleted += 1;
            }
            removal.query_async::<()>(&mut self.conn()).await?;
        }
        Ok((deleted, complete))
    }

    /// Drops up to `limit` runs whose retention ended by `now` from the run indexes
    /// (their keys expired by themselves); returns how many.
    pub async fn prune_expired(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let ids: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.keys.retention())
            .arg("-inf")
            .arg(now.timestamp_millis())
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut self.conn())
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let schedules: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(self.keys.retention_schedules())
            .arg(&ids)
            .query_async(&mut self.conn())
            .await?;
        let mut pipe = redis::pipe();
        for (id, schedule) in ids.iter().zip(&schedules) {
            pipe.cmd("ZREM").arg(self.keys.runs()).arg(id).ignore();
            if let Some(schedule) = schedule {
                pipe.cmd("ZREM")
                    .arg(self.keys.runs_of_schedule(schedule))
                    .arg(id)
                    .ignore();
            }
        }
        pipe.cmd("HDEL")
            .arg(self.keys.retention_schedules())
            .arg(&ids)
            .ignore();
        pipe.cmd("ZREM")
            .arg(self.keys.retention())
            .arg(&ids)
            .ignore();
        pipe.query_async::<()>(&mut self.conn()).await?;
        Ok(ids.len())
    }
}
