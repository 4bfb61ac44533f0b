//! Experiments: their live state and the one-way transitions
//! workers make (start, abort, finish).

use chrono::{DateTime, Utc};
use std::sync::LazyLock;

use redis::Script;

use super::error::{corrupt, parse_json};
use super::runs::parse_time;
use super::{Store, StoreError, WorkerStore};
use tally_core::contract::ExperimentSummary;
use tally_core::run::{BatchProgress, ExperimentId, ExperimentPhase, ExperimentRecord, Progress};

const FIELDS: [&str; 12] = [
    "record",
    "status",
    "total",
    "done",
    "failed",
    "retries",
    "rate_limited",
    "aborted",
    "summary",
    "started_at",
    "finished_at",
    "batch",
];

/// An experiment as the API and the finalize job see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentView {
    pub record: ExperimentRecord,
    pub phase: ExperimentPhase,
    pub progress: Progress,
    /// Why `raise_errors` stopped it, when it did.
    pub aborted: Option<String>,
    /// Set when the experiment is final.
    pub summary: Option<ExperimentSummary>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// A batch-mode experiment's batches, once it submitted any.
    pub batch: Option<BatchProgress>,
}

/// KEYS: experiment. ARGV: status, summary JSON, finished at, notice channel,
/// experiment id. Returns 1 when this call made the experiment final.
static FINISH_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' and status ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'summary', ARGV[2], 'finished_at', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
"#,
    )
});

impl Store {
    pub async fn experiment(
        &self,
        experiment: &ExperimentId,
    ) -> Result<Option<ExperimentView>, StoreError> {
        Ok(self
            .experiments(std::slice::from_ref(experiment))
            .await?
            .pop()
            .flatten())
    }

    /// Several experiments in one round trip, in the order asked.
    pub async fn experiments(
        &self,
        ids: &[ExperimentId],
    ) -> Result<Vec<Option<ExperimentView>>, StoreError> {
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.cmd("HMGET").arg(self.keys.experiment(id)).arg(&FIELDS);
        }
        let rows: Vec<Vec<Option<String>>> = pipe.query_async(&mut self.conn()).await?;
        ids.iter()
            .zip(rows)
            .map(|(id, row)| parse_view(&self.keys.experiment(id), row))
            .collect()
    }
}

impl WorkerStore {
    /// Records why `raise_errors` stopped the experiment; the first reason wins.
    /// Returns whether this call stopped it.
    pub async fn abort_experiment(
        &self,
        experiment: &ExperimentId,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let set: u8 = redis::cmd("HSETNX")
            .arg(self.keys.experiment(experiment))
            .arg("aborted")
            .arg(reason)
            .query_async(&mut self.conn())
            .await?;
        Ok(set == 1)
    }

    /// Makes the experiment final with its summary, unless it already is. Returns
    /// whether this call did it.
    pub async fn finish_experiment(
        &self,
        experiment: &ExperimentId,
        summary: &ExperimentSummary,
    ) -> Result<bool, StoreError> {
        let phase = ExperimentPhase::from(summary.status);
        let json = serde_json::to_string(summary).map_err(|e| corrupt("summary", e))?;
        let done: u8 = FINISH_SCRIPT
            .key(self.keys.experiment(experiment))
            .arg(phase.as_str())
            .arg(json)
            .arg(Utc::now().to_rfc3339())
            .arg(self.keys.events())
            .arg(experiment.as_str())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(done == 1)
    }
}

fn parse_view(key: &str, row: Vec<Option<String>>) -> Result<Option<ExperimentView>, StoreError> {
    let [
        record,
        status,
        total,
        done,
        failed,
        retries,
        rate_limited,
        aborted,
        summary,
        started_at,
        finished_at,
        batch,
    ] = <[Option<String>; 12]>::try_from(row)
        .map_err(|_| corrupt(key, "HMGET returned the wrong number of fields"))?;
    let Some(record) = record else {
        return Ok(None);
    };
    let count = |value: Option<String>| -> Result<u64, StoreError> {
        value.map_or(Ok(0), |v| v.parse().map_err(|e| corrupt(key, e)))
    };
    Ok(Some(ExperimentView {
        record: parse_json(key, &record)?,
        phase: parse_json(key, &format!("\"{}\"", status.unwrap_or_default()))?,
        progress: Progress {
            total: count(total)?,
            done: count(done)?,
            failed: count(failed)?,
            retries: count(retries)?,
            rate_limited: count(rate_limited)?,
        },
        aborted,
        summary: summary.map(|s| parse_json(key, &s)).transpose()?,
        started_at: parse_time(key, started_at.as_deref())?,
        finished_at: parse_time(key, finished_at.as_deref())?,
        batch: batch.map(|b| parse_json(key, &b)).transpose()?,
    }))
}
