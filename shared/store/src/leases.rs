//! Call leases: the cluster-wide `jobs` cap of an experiment.
//!
//! An experiment's leases are a sorted set of lease id → expiry (Redis time, ms).
//! `begin_records` refuses when `jobs` are held and otherwise adds one per record it
//! lets go ahead; `write_results` removes them. Expired leases are dropped when they
//! would make `begin_records` refuse (until then one holds its place, and a late
//! renewal keeps it). A worker renews the leases it holds while their calls last; a
//! worker that dies stops renewing, so its leases lapse after their time-to-live and
//! the cap is whole again — without anyone having to notice the death.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::{Store, StoreError, WorkerStore};
use tally_core::run::ExperimentId;

/// KEYS: leases. ARGV: ttl (ms), lease ids… Pushes the expiry of the leases that are
/// still held (an expired one that was dropped is not revived). Returns how many.
static RENEW_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local time = redis.call('TIME')
local expiry = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', expiry, ARGV[i])
end
return renewed
"#,
    )
});

/// KEYS: leases. Returns the ids of the leases that have not expired.
static LIVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
"#,
    )
});

impl WorkerStore {
    /// Extends the leases `ids` of `experiment` to `ttl` from now; returns how many
    /// were still held.
    pub async fn renew_leases(
        &self,
        experiment: &ExperimentId,
        ids: &[String],
        ttl: Duration,
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut script = RENEW_SCRIPT.prepare_invoke();
        script
            .key(self.keys.experiment_leases(experiment))
            .arg(ttl.as_millis() as u64);
        for id in ids {
            script.arg(id);
        }
        Ok(script.invoke_async(&mut self.conn()).await?)
    }

    /// Gives a lease back without writing a result (the record's result is written
    /// later, or by another worker).
    pub async fn release_lease(
        &self,
        experiment: &ExperimentId,
        id: &str,
    ) -> Result<(), StoreError> {
        let _: u64 = redis::cmd("ZREM")
            .arg(self.keys.experiment_leases(experiment))
            .arg(id)
            .query_async(&mut self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// The ids of the leases of `experiment` that have not expired (what holds its
    /// `jobs` cap right now).
    pub async fn live_leases(&self, experiment: &ExperimentId) -> Result<Vec<String>, StoreError> {
        Ok(LIVE_SCRIPT
            .key(self.keys.experiment_leases(experiment))
            .invoke_async(&mut self.conn())
            .await?)
    }
}
