//! Records started in groups: one script decides for every record of a group of one
//! experiment whether a worker may process it (`begin_records`), so a worker's
//! concurrent records share a round trip and the experiment's checks.
//!
//! Per record, as for a lone start: a record with a stored result is `AlreadyDone`;
//! otherwise the run's cancel and the experiment's stop decide for the whole group;
//! otherwise each record in turn takes one of the experiment's `jobs` call leases
//! while one is free (`Busy` when none is) and has its start counted. Lease expiry
//! uses Redis's clock, so workers' clocks need not agree.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::Utc;
use redis::Script;

use super::error::corrupt;
use super::{StoreError, WorkerStore};
use tally_core::run::{ExperimentId, RunId};

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

/// One record of a group for `begin_records`: its result key (`result_key`) and the
/// id of the lease it takes if it proceeds.
#[derive(Debug, Clone)]
pub struct RecordBegin {
    pub key: String,
    pub lease: String,
}

/// KEYS: experiment, run, attempts, results, leases. ARGV: now, lease cap, lease ttl
/// (ms), notice channel, experiment id (the notice when it starts), then per record
/// its result key and lease id. Returns per record the attempt (≥ 1) when it
/// proceeds, else 0 done, -1 cancelled, -2 stopped, -3 busy.
///
/// A group costs the same few commands whatever its size: one read each of the
/// stored results, the run and the experiment, the leases' count (expired leases are
/// dropped only when the unexpired ones might leave too few free: until then they
/// hold a place, as if still held), and the start counts: one `HINCRBY` for a lone
/// start, else one read and one write (a key twice in a group is counted twice, as
/// two starts one after the other).
static BEGIN_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local n = (#ARGV - 5) / 2
local out, keys, open = {}, {}, {}
for r = 1, n do keys[r] = ARGV[4 + 2 * r] end
local stored = redis.call('HMGET', KEYS[4], unpack(keys))
for r = 1, n do
  if stored[r] then out[r] = 0 else open[#open + 1] = r end
end
if #open == 0 then return out end
local verdict = nil
local run = redis.call('HMGET', KEYS[2], 'cancel', 'status')
local e = nil
if run[1] then
  verdict = -1
else
  e = redis.call('HMGET', KEYS[1], 'status', 'aborted')
  if (e[1] ~= 'pending' and e[1] ~= 'running') or e[2] then verdict = -2 end
end
if verdict then
  for _, r in ipairs(open) do out[r] = verdict end
  return out
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[5])
if free < #open then
  free = free + redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
end
local taken, proceeding = {}, {}
for _, r in ipairs(open) do
  if free > 0 then
    free = free - 1
    taken[#taken + 1] = now + tonumber(ARGV[3])
    taken[#taken + 1] = ARGV[5 + 2 * r]
    proceeding[#proceeding + 1] = r
  else
    out[r] = -3
  end
end
if #taken == 0 then return out end
redis.call('ZADD', KEYS[5], unpack(taken))
if #proceeding == 1 then
  out[proceeding[1]] = redis.call('HINCRBY', KEYS[3], keys[proceeding[1]], 1)
else
  local started = {}
  for _, r in ipairs(proceeding) do started[#started + 1] = keys[r] end
  local counts = redis.call('HMGET', KEYS[3], unpack(started))
  local count, order, set = {}, {}, {}
  for s, r in ipairs(proceeding) do
    local key = keys[r]
    if count[key] == nil then
      count[key] = tonumber(counts[s]) or 0
      order[#order + 1] = key
    end
    count[key] = count[key] + 1
    out[r] = count[key]
  end
  for _, key in ipairs(order) do
    set[#set + 1] = key
    set[#set + 1] = string.format('%d', count[key])
  end
  redis.call('HSET', KEYS[3], unpack(set))
end
if e[1] == 'pending' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[1])
  redis.call('PUBLISH', ARGV[4], ARGV[5])
end
if run[2] == 'queued' then
  redis.call('HSET', KEYS[2], 'status', 'running', 'started_at', ARGV[1])
end
return out
"#,
    )
});

impl WorkerStore {
    /// Whether a worker may process each record of `begins` (of `experiment`, in
    /// `run`) now; a record that may (`Proceed`) holds its lease in the experiment's
    /// name until `write_results` (or `release_lease`) gives it back, or it expires
    /// after `ttl`. At most `cap` leases are held at once.
    pub async fn begin_records(
        &self,
        run: &RunId,
        experiment: &ExperimentId,
        cap: u64,
        ttl: Duration,
        begins: &[RecordBegin],
    ) -> Result<Vec<RecordStart>, StoreError> {
        let mut invocation = BEGIN_SCRIPT.prepare_invoke();
        invocation
            .key(self.keys.experiment(experiment))
            .key(self.keys.run(run))
            .key(self.keys.experiment_attempts(experiment))
            .key(self.keys.experiment_results(experiment))
            .key(self.keys.experiment_leases(experiment))
            .arg(Utc::now().to_rfc3339())
            .arg(cap)
            .arg(ttl.as_millis() as u64)
            .arg(self.keys.events())
            .arg(experiment.as_str());
        for begin in begins {
            invocation.arg(&begin.key).arg(&begin.lease);
        }
        let verdicts: Vec<i64> = invocation.invoke_async(&mut self.conn()).await?;
        if verdicts.len() != begins.len() {
            return Err(corrupt(
                &self.keys.experiment(experiment),
                "short begin reply",
            ));
        }
        Ok(verdicts
            .into_iter()
            .map(|verdict| match verdict {
                0 => RecordStart::AlreadyDone,
                -1 => RecordStart::Cancelled,
                -3 => RecordStart::Busy,
                attempt if attempt > 0 => RecordStart::Proceed {
                    attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
                },
                _ => RecordStart::Stopped,
            })
            .collect())
    }
}
