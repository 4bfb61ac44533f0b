//! Requests per day, counted per model and Pacific day across all workers (Gemini's
//! RPD resets at midnight Pacific), and the block a model is under once its daily
//! quota is used up — by our count or by a per-day 429.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use redis::{AsyncCommands, Script};
use tally_core::run::{next_pacific_midnight, pacific_day};

use super::{Store, StoreError, WorkerStore};

/// KEYS: day's counter, block. ARGV: limit (0 = none), the day's end (ms since the
/// epoch). Counts one request unless the model is blocked or the limit is reached;
/// returns the block's end in ms, or "0" when the request may go.
static TAKE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local block = tonumber(redis.call('GET', KEYS[2]) or '0')
if block > now then return tostring(block) end
local limit = tonumber(ARGV[1])
local reset = tonumber(ARGV[2])
if limit > 0 then
  local sent = tonumber(redis.call('GET', KEYS[1]) or '0')
  if sent >= limit then
    redis.call('SET', KEYS[2], reset)
    redis.call('PEXPIREAT', KEYS[2], reset)
    return tostring(reset)
  end
  redis.call('INCR', KEYS[1])
  redis.call('PEXPIREAT', KEYS[1], reset + 3600000)
end
return '0'
"#,
    )
});

impl WorkerStore {
    /// Counts one request to `model` against its daily quota `limit` (0 = none);
    /// `Some(until)` when the daily quota is used up and the request must wait.
    pub async fn take_daily_request(
        &self,
        model: &str,
        limit: u64,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let now = Utc::now();
        let reset = next_pacific_midnight(now);
        let day = pacific_day(now).to_string();
        let until: String = TAKE_SCRIPT
            .key(self.keys.daily_requests(model, &day))
            .key(self.keys.daily_block(model))
            .arg(limit)
            .arg(reset.timestamp_millis())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(until
            .parse::<i64>()
            .ok()
            .filter(|ms| *ms > 0)
            .and_then(DateTime::from_timestamp_millis))
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
