//! Results written in groups: one script stores every result of a group of one
//! experiment (`write_results`), so a worker's concurrent records share a round
//! trip and the experiment's counters and running totals are read and set once per
//! group.
//!
//! The guarantees are those of a lone write: `HSETNX` keeps the first result of a key
//! (also when a group holds the same key twice), only kept results are counted and
//! added to the totals, each result's call lease is given back whether it was kept
//! or not, and an experiment whose retention ended keeps nothing.

use std::sync::LazyLock;

use redis::Script;

use super::error::corrupt;
use super::events::PROGRESS_NOTICES;
use super::result_codec::encode;
use super::{StoreError, WorkerStore};
use tally_core::run::{ExperimentId, Progress, RecordResult, RecordStatus, ResultTotals};

/// One result ready for `write_results`: compressed, with its share of the running
/// totals, and the call lease to give back.
#[derive(Debug, Clone)]
pub struct ResultWrite {
    key: String,
    stored: Vec<u8>,
    failed: bool,
    retries: u32,
    rate_limited: u32,
    increments: Vec<(String, i64)>,
    release: Option<String>,
}

impl ResultWrite {
    /// `result` to be written, giving back the lease `release` (if any).
    pub fn new(result: &RecordResult, release: Option<&str>) -> Result<Self, StoreError> {
        Ok(ResultWrite {
            key: result.key(),
            stored: encode(result)?,
            failed: result.status == RecordStatus::Failed,
            retries: result.retries(),
            rate_limited: result.rate_limited,
            increments: ResultTotals::increments(result),
            release: release.map(str::to_string),
        })
    }
}

/// KEYS: results, order, experiment, leases, totals. ARGV: notice channel,
/// experiment id, notices per experiment (`events::PROGRESS_NOTICES`), number of
/// results; then per result: key, stored result (`result_codec`), failed (0/1),
/// retries, rate limited, lease to release ('' = none), number of totals pairs, and
/// the pairs of a totals field and its increment (`ResultTotals::increments`).
/// Returns {total, done, failed, retries, rate_limited, then written (0/1) per result}.
///
/// The fixed cost of a group is a handful of commands whatever the number of totals
/// fields (besides one `HSETNX` per result): the experiment is read once (`HMGET`:
/// whether it is still there, its status and its counters) and its counters set
/// once (`HSET`), the touched totals fields are read once and set once.
///
/// A field's increments of the kept results are summed in Lua (doubles), and the sum
/// added to the stored value in Lua too. Both stay exact: an increment is summed only
/// when its magnitude is at most 2^53 / (number of results), so no partial sum passes
/// 2^53; a larger one (never seen in practice: it would be a cost above $900 or a
/// token count above 10^14 in a group of 64) is added on its own from its decimal
/// text (`HINCRBY`). The stored value and the new one are used as doubles only while
/// both are below 2^53 in magnitude (a double rounds monotonically, so one that reads
/// below 2^53 is exact); otherwise the group's sum is added with `HINCRBY`, which
/// counts in 64-bit integers.
static WRITE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local n = tonumber(ARGV[4])
local exact = 2 ^ 53 / math.max(n, 1)
local entries, leases = {}, {}
local i = 5
for r = 1, n do
  entries[r] = i
  if ARGV[i + 5] ~= '' then leases[#leases + 1] = ARGV[i + 5] end
  i = i + 7 + 2 * tonumber(ARGV[i + 6])
end
if #leases > 0 then redis.call('ZREM', KEYS[4], unpack(leases)) end
local written = {}
local e = redis.call('HMGET', KEYS[3], 'status', 'total', 'done', 'failed', 'retries', 'rate_limited')
-- An experiment whose retention ended is gone (every experiment hash has a status):
-- a straggler's result is not kept.
if not e[1] then
  for r = 1, n do written[r] = 0 end
  return {0, 0, 0, 0, 0, unpack(written)}
end
local total, done = tonumber(e[2]) or 0, tonumber(e[3]) or 0
local counts = {failed = tonumber(e[4]) or 0, retries = tonumber(e[5]) or 0,
  rate_limited = tonumber(e[6]) or 0}
local added = {failed = 0, retries = 0, rate_limited = 0}
local kept, fields, sums = {}, {}, {}
for r = 1, n do
  local at = entries[r]
  written[r] = redis.call('HSETNX', KEYS[1], ARGV[at], ARGV[at + 1])
  if written[r] == 1 then
    kept[#kept + 1] = ARGV[at]
    added.failed = added.failed + tonumber(ARGV[at + 2])
    added.retries = added.retries + tonumber(ARGV[at + 3])
    added.rate_limited = added.rate_limited + tonumber(ARGV[at + 4])
    for p = at + 7, at + 6 + 2 * tonumber(ARGV[at + 6]), 2 do
      local field, by = ARGV[p], tonumber(ARGV[p + 1])
      if math.abs(by) <= exact then
        if sums[field] == nil then
          fields[#fields + 1] = field
          sums[field] = 0
        end
        sums[field] = sums[field] + by
      else
        redis.call('HINCRBY', KEYS[5], field, ARGV[p + 1])
      end
    end
  end
end
if #kept > 0 then
  redis.call('RPUSH', KEYS[2], unpack(kept))
  local touched = {}
  for _, field in ipairs(fields) do
    if sums[field] ~= 0 then touched[#touched + 1] = field end
  end
  if #touched > 0 then
    local stored = redis.call('HMGET', KEYS[5], unpack(touched))
    local set = {}
    for f, field in ipairs(touched) do
      local before = tonumber(stored[f]) or 0
      local after = before + sums[field]
      if math.abs(before) < 2 ^ 53 and math.abs(after) < 2 ^ 53 then
        set[#set + 1] = field
        set[#set + 1] = string.format('%d', after)
      else
        redis.call('HINCRBY', KEYS[5], field, string.format('%d', sums[field]))
      end
    end
    if #set > 0 then redis.call('HSET', KEYS[5], unpack(set)) end
  end
  -- A result written after the run was retired expires with the run. Only a run
  -- whose experiments are all final is retired, so a pending or running
  -- experiment's keys have no time-to-live to copy.
  if e[1] ~= 'pending' and e[1] ~= 'running' then
    local ttl = redis.call('PTTL', KEYS[3])
    if ttl > 0 then
      redis.call('PEXPIRE', KEYS[1], ttl)
      redis.call('PEXPIRE', KEYS[2], ttl)
      redis.call('PEXPIRE', KEYS[5], ttl)
    end
  end
  local before = done
  done = done + #kept
  local set = {'done', string.format('%d', done)}
  for _, field in ipairs({'failed', 'retries', 'rate_limited'}) do
    if added[field] > 0 then
      counts[field] = counts[field] + added[field]
      set[#set + 1] = field
      set[#set + 1] = string.format('%d', counts[field])
    end
  end
  redis.call('HSET', KEYS[3], unpack(set))
  -- One notice when the group crossed a notice step (or reached the total).
  local step = math.max(1, math.floor(total / tonumber(ARGV[3])))
  if math.floor(done / step) > math.floor(before / step) or done >= total then
    redis.call('PUBLISH', ARGV[1], ARGV[2])
  end
end
return {total, done, counts.failed, counts.retries, counts.rate_limited, unpack(written)}
"#,
    )
});

impl WorkerStore {
    /// Stores each result of `writes` whose key has none yet (the first of a key
    /// when the group holds it twice) and gives back their call leases; returns
    /// whether each was the one kept, and the experiment's progress after the group.
    pub async fn write_results(
        &self,
        experiment: &ExperimentId,
        writes: &[ResultWrite],
    ) -> Result<(Vec<bool>, Progress), StoreError> {
        let mut invocation = WRITE_SCRIPT.prepare_invoke();
        invocation
            .key(self.keys.experiment_results(experiment))
            .key(self.keys.experiment_order(experiment))
            .key(self.keys.experiment(experiment))
            .key(self.keys.experiment_leases(experiment))
            .key(self.keys.experiment_totals(experiment))
            .arg(self.keys.events())
            .arg(experiment.as_str())
            .arg(PROGRESS_NOTICES)
            .arg(writes.len());
        for write in writes {
            invocation
                .arg(&write.key)
                .arg(&write.stored)
                .arg(u8::from(write.failed))
                .arg(write.retries)
                .arg(write.rate_limited)
                .arg(write.release.as_deref().unwrap_or(""))
                .arg(write.increments.len());
            for (field, by) in &write.increments {
                invocation.arg(field).arg(by);
            }
        }
        let reply: Vec<u64> = invocation.invoke_async(&mut self.conn()).await?;
        let [total, done, failed, retries, rate_limited, ref written @ ..] = reply[..] else {
            return Err(corrupt(
                &self.keys.experiment(experiment),
                "short write reply",
            ));
        };
        if written.len() != writes.len() {
            return Err(corrupt(
                &self.keys.experiment(experiment),
                "short write reply",
            ));
        }
        let written = written.iter().map(|&w| w == 1).collect();
        Ok((
            written,
            Progress {
                total,
                done,
                failed,
                retries,
                rate_limited,
            },
        ))
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
        let write = ResultWrite::new(result, release)?;
        let (written, progress) = self.write_results(experiment, &[write]).await?;
        Ok((written.first().copied().unwrap_or(false), progress))
    }
}
