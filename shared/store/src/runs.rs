//! Runs: created once with their experiments, then advanced by workers to a final
//! status exactly once.
//!
//! The immutable part (`RunRecord` JSON) and the changing part (status, timestamps,
//! cancel flag, final response) are separate hash fields, so no writer ever rewrites
//! another's JSON. Every transition is a Lua script that checks the current status
//! first: a final run never changes again, however many workers race to complete it.

use chrono::{DateTime, Utc};
use std::sync::LazyLock;

use redis::Script;

use super::error::{corrupt, parse_json};
use super::{Store, StoreError, WorkerStore};
use tally_core::contract::{ExperimentResponse, RunStatus};
use tally_core::run::{ExperimentRecord, IdempotencyKey, RunId, RunRecord, RunView};

/// How long an `Idempotency-Key` keeps returning the run it created.
const IDEMPOTENCY_TTL_SECONDS: u64 = 24 * 3600;

/// Whether `create_run` made a new run or found the one an idempotency key made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    New(RunId),
    Existing(RunId),
    /// A retry was refused: the chain's latest run (this one) is not final, or
    /// another retry was created since the caller looked.
    ChainMoved(Option<RunId>),
}

/// The chain a retry joins, as the caller saw it when it chose the records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainGuard {
    /// The chain's first run.
    pub root: RunId,
    /// Its latest retry, if any.
    pub latest_retry: Option<RunId>,
}

/// What a cancel request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The flag is set; workers stop at the next record.
    Requested,
    /// The run had already ended with this status.
    AlreadyFinal(RunStatus),
    NotFound,
}

/// Filters of the run list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub status: Option<RunStatus>,
    pub schedule: Option<String>,
}

/// KEYS: run, runs index, idempotency key, schedule index, retries list of the chain's
///       first run, latest run of that chain, experiment hashes…
/// ARGV: run id, record JSON, created ms, created at, use idempotency (0/1),
///       idempotency ttl, use schedule (0/1), is a retry (0/1), the chain's latest
///       retry as the caller saw it ('' = none), then per experiment: record JSON, total
///       (its model calls: records × trials).
/// Returns {1, run id} when created, {0, existing run id} for a known idempotency key,
/// {2, latest run id} for a retry refused because the chain's latest run is not final
/// or another retry was created meanwhile.
static CREATE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if ARGV[8] == '1' then
  local last = redis.call('LINDEX', KEYS[5], -1) or ''
  local status = redis.call('HGET', KEYS[6], 'status')
  if last ~= ARGV[9] or status == 'queued' or status == 'running' then
    return {2, last}
  end
end
if ARGV[5] == '1' then
  local existing = redis.call('GET', KEYS[3])
  if existing then return {0, existing} end
  redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[6])
end
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'status', 'queued', 'created_at', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if ARGV[7] == '1' then redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1]) end
if ARGV[8] == '1' then redis.call('RPUSH', KEYS[5], ARGV[1]) end
for i = 7, #KEYS do
  local base = 10 + (i - 7) * 2
  redis.call('HSET', KEYS[i], 'record', ARGV[base], 'status', 'pending', 'total', ARGV[base + 1],
    'done', 0, 'failed', 0, 'retries', 0, 'rate_limited', 0)
end
return {1, ARGV[1]}
"#,
    )
});

/// KEYS: run. ARGV: notice channel, run id. Returns the status after the request.
static CANCEL_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return '' end
if status == 'queued' or status == 'running' then
  redis.call('HSET', KEYS[1], 'cancel', '1')
  redis.call('PUBLISH', ARGV[1], ARGV[2])
  return 'requested'
end
return status
"#,
    )
});

/// KEYS: run. ARGV: status, response JSON, finished at, notice channel, run id.
/// Returns 1 when this call completed the run, 0 when it was already final.
static COMPLETE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'queued' and status ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'response', ARGV[2], 'finished_at', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
"#,
    )
});

impl Store {
    /// Stores a new run and its experiments in one step (nothing half-written), unless
    /// `idempotency` names a key that already created a run.
    pub(crate) async fn create_run(
        &self,
        run: &RunRecord,
        experiments: &[ExperimentRecord],
        idempotency: Option<&IdempotencyKey>,
        chain: Option<&ChainGuard>,
    ) -> Result<Created, StoreError> {
        let record = serde_json::to_string(run).map_err(|e| corrupt("run record", e))?;
        let idempotency_key = idempotency
            .map(|key| self.keys.idempotency(&key.api_key_name, &key.key_hash))
            .unwrap_or_else(|| self.keys.idempotency("-", "-"));
        let schedule = run.submitter.schedule.as_deref();
        let mut script = CREATE_SCRIPT.prepare_invoke();
        script
            .key(self.keys.run(&run.run_id))
            .key(self.keys.runs())
            .key(idempotency_key)
            .key(self.keys.runs_of_schedule(schedule.unwrap_or("-")));
        match chain {
            Some(chain) => script.key(self.keys.run_retries(&chain.root)).key(
                self.keys
                    .run(chain.latest_retry.as_ref().unwrap_or(&chain.root)),
            ),
            None => script
                .key(self.keys.run_retries(&run.run_id))
                .key(self.keys.run(&run.run_id)),
        };
        for experiment in experiments {
            script.key(self.keys.experiment(&experiment.experiment_id));
        }
        script
            .arg(run.run_id.as_str())
            .arg(record)
            .arg(run.created_at.timestamp_millis())
            .arg(run.created_at.to_rfc3339())
            .arg(u8::from(idempotency.is_some()))
            .arg(IDEMPOTENCY_TTL_SECONDS)
            .arg(u8::from(schedule.is_some()))
            .arg(u8::from(chain.is_some()))
            .arg(
                chain
                    .and_then(|c| c.latest_retry.as_ref())
                    .map_or("", RunId::as_str),
            );
        for experiment in experiments {
            let json =
                serde_json::to_string(experiment).map_err(|e| corrupt("experiment record", e))?;
            script.arg(json).arg(experiment.units());
        }
        let (created, id): (u8, String) = script.invoke_async(&mut self.conn()).await?;
        if created == 2 {
            let latest = (!id.is_empty())
                .then(|| RunId::parse(&id).map_err(|e| corrupt("retries list", e)))
                .transpose()?;
            return Ok(Created::ChainMoved(latest));
        }
        let id = RunId::parse(&id).map_err(|e| corrupt("idempotency key", e))?;
        Ok(if created == 1 {
            Created::New(id)
        } else {
            Created::Existing(id)
        })
    }

    /// The runs retrying `run` (the first run of a chain), oldest first.
    pub async fn run_retries(&self, run: &RunId) -> Result<Vec<RunId>, StoreError> {
        let key = self.keys.run_retries(run);
        let ids: Vec<String> = redis::cmd("LRANGE")
            .arg(&key)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await?;
        ids.iter()
            .map(|id| RunId::parse(id).map_err(|e| corrupt(&key, e)))
            .collect()
    }

    pub async fn run(&self, run: &RunId) -> Result<Option<RunView>, StoreError> {
        let key = self.keys.run(run);
        let fields: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(&key)
            .arg(&[
                "record",
                "status",
                "created_at",
                "started_at",
                "finished_at",
                "cancel",
                "response",
            ])
            .query_async(&mut self.conn())
            .await?;
        let [
            record,
            status,
            created_at,
            started_at,
            finished_at,
            cancel,
            response,
        ] = <[Option<String>; 7]>::try_from(fields)
            .map_err(|_| corrupt(&key, "HMGET returned the wrong number of fields"))?;
        let Some(record) = record else {
            return Ok(None);
        };
        Ok(Some(RunView {
            record: parse_json(&key, &record)?,
            status: parse_json(&key, &format!("\"{}\"", status.unwrap_or_default()))?,
            created_at: parse_time(&key, created_at.as_deref())?.unwrap_or_default(),
            started_at: parse_time(&key, started_at.as_deref())?,
            finished_at: parse_time(&key, finished_at.as_deref())?,
            cancel_requested: cancel.is_some(),
            response: response.map(|r| parse_json(&key, &r)).transpose()?,
        }))
    }

    /// Runs newest first: `limit` runs after skipping `offset` matching ones.
    pub async fn list_runs(
        &self,
        filter: &RunFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<RunView>, StoreError> {
        let index = match &filter.schedule {
            Some(schedule) => self.keys.runs_of_schedule(schedule),
            None => self.keys.runs(),
        };
        // Read the index in pages and filter, so a status filter cannot load every run.
        const PAGE: isize = 200;
        let mut matched = Vec::new();
        let mut skipped = 0;
        let mut start: isize = 0;
        loop {
            let ids: Vec<String> = redis::cmd("ZREVRANGE")
                .arg(&index)
                .arg(start)
                .arg(start + PAGE - 1)
                .query_async(&mut self.conn())
                .await?;
            for id in &ids {
                let Ok(id) = RunId::parse(id) else { continue };
                let Some(view) = self.run(&id).await? else {
                    continue;
                };
                if filter.status.is_some_and(|status| status != view.status) {
                    continue;
                }
                if skipped < offset {
                    skipped += 1;
                    continue;
                }
                matched.push(view);
                if matched.len() >= limit {
                    return Ok(matched);
                }
            }
            if (ids.len() as isize) < PAGE {
                return Ok(matched);
            }
            start += PAGE;
        }
    }

    pub(crate) async fn request_cancel(&self, run: &RunId) -> Result<CancelOutcome, StoreError> {
        let key = self.keys.run(run);
        let status: String = CANCEL_SCRIPT
            .key(&key)
            .arg(self.keys.events())
            .arg(run.as_str())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(match status.as_str() {
            "" => CancelOutcome::NotFound,
            "requested" => CancelOutcome::Requested,
            other => CancelOutcome::AlreadyFinal(parse_json(&key, &format!("\"{other}\""))?),
        })
    }
}

impl WorkerStore {
    /// Makes the run final with `status` and its response, unless it already is.
    /// Returns whether this call did it.
    pub async fn complete_run(
        &self,
        run: &RunId,
        status: RunStatus,
        response: &ExperimentResponse,
    ) -> Result<bool, StoreError> {
        let response = serde_json::to_string(response).map_err(|e| corrupt("response", e))?;
        let done: u8 = COMPLETE_SCRIPT
            .key(self.keys.run(run))
            .arg(status.as_str())
            .arg(response)
            .arg(Utc::now().to_rfc3339())
            .arg(self.keys.events())
            .arg(run.as_str())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(done == 1)
    }
}

pub(crate) fn parse_time(
    key: &str,
    raw: Option<&str>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    raw.map(|text| {
        DateTime::parse_from_rfc3339(text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(|e| corrupt(key, e))
    })
    .transpose()
}
