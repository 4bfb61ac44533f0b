//! Requests per day, counted per model and Pacific day across all workers (Gemini's
//! RPD resets at midnight Pacific), and the block a model is under once its daily
//! quota is used up — by our count or by a per-day 429. A process counts the
//! requests of concurrent calls together, one script per group (`take_daily_requests`).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use redis::{AsyncCommands, Script};
use tally_core::run::{next_pacific_midnight, pacific_day};

use super::{Store, StoreError, WorkerStore};

/// KEYS: day's counter, block. ARGV: limit (0 = none), the day's end (ms since the
/// epoch), requests to count. Counts the requests that fit, in order, as one after
/// another would: none while the model is blocked, and with a limit the ones past it
/// set the block. Returns {requests counted, the block's end in ms or 0}.
static TAKE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local block = tonumber(redis.call('GET', KEYS[2]) or '0')
if block > now then return {0, block} end
local limit = tonumber(ARGV[1])
local reset = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
if limit <= 0 then return {wanted, 0} end
local sent = tonumber(redis.call('GET', KEYS[1]) or '0')
local counted = math.max(0, math.min(wanted, limit - sent))
if counted > 0 then
  redis.call('INCRBY', KEYS[1], counted)
  redis.call('PEXPIREAT', KEYS[1], reset + 3600000)
end
if counted < wanted then
  redis.call('SET', KEYS[2], reset)
  redis.call('PEXPIREAT', KEYS[2], reset)
  return {counted, reset}
end
return {counted, 0}
"#,
    )
});

impl WorkerStore {
    /// Counts `requests` requests to `model`, in order, against its daily quota
    /// `limit` (0 = none: only a per-day 429's block holds them back); for each,
    /// `Some(until)` when the daily quota is used up and it must wait.
    pub async fn take_daily_requests(
        &self,
        model: &str,
        limit: u64,
        requests: usize,
    ) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
        let now = Utc::now();
        let reset = next_pacific_midnight(now);
        let day = pacific_day(now).to_string();
        let (counted, until): (usize, i64) = TAKE_SCRIPT
            .key(self.keys.daily_requests(model, &day))
            .key(self.keys.daily_block(model))
            .arg(limit)
            .arg(reset.timestamp_millis())
            .arg(requests)
            .invoke_async(&mut self.conn())
            .await?;
        let until = DateTime::from_timestamp_millis(until).filter(|_| until > 0);
        Ok((0..requests)
            .map(|i| if i < counted { None } else { until })
            .collect())
    }

    /// A per-day 429 said `model`'s daily quota is used up: every worker waits
    /// until the next Pacific midnight. Returns that moment.
    pub async fn daily_quota_exhausted(&self, model: &str) -> Result<DateTime<Utc>, StoreError> {
        let reset = next_pacific_midnight(Utc::now());
        let key = self.keys.daily_block(model);
        let mut conn = self.conn();
        let _: () = conn.set(&key, reset.timestamp_millis()).await?;
        let _: bool = conn.pexpire_at(&key, reset.timestamp_millis()).await?;
        Ok(reset)
    }
}

impl Store {
    /// Until when `model` waits for its daily quota; `None` when it does not.
    pub async fn daily_block(&self, model: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let until: Option<i64> = self.conn().get(self.keys.daily_block(model)).await?;
        Ok(until
            .filter(|ms| *ms > Utc::now().timestamp_millis())
            .and_then(DateTime::from_timestamp_millis))
    }
}
