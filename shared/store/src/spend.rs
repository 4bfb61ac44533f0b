//! The spend cap: what all models together may cost per rolling window (Google's
//! tier spend limits, $ per 10 minutes, answer 429 beyond), paced like the tokens of
//! `rate_limits` — one schedule for the namespace, on Redis's clock.
//!
//! `stat` is the time from which spending is free again: a call reserves its
//! estimated cost at `max(now, stat - burst)` and moves `stat` on by the cost times
//! the interval per micro-dollar; the difference to the measured cost is settled
//! afterwards. Spending that starts within any window of the cap's length is then at
//! most the window's share, the burst, and what calls in flight were underestimated by.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::{StoreError, WorkerStore};

/// The pace of the spend cap, in Redis-time milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpendPace {
    /// Per micro-dollar at the cap.
    pub interval_ms: f64,
    /// How far the schedule may run ahead of now.
    pub burst_ms: f64,
}

/// The schedule is dropped this long after it stops mattering.
const IDLE_TTL_MS: u64 = 3_600_000;

/// KEYS: schedule. ARGV: interval per micro-dollar, burst (ms), estimated micro-dollars
/// of this call (0 = settle only), micro-dollars to settle (signed), idle ttl.
/// Returns the wait before the call may go, in ms (a string: fractional).
static RESERVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local per = tonumber(ARGV[1])
local stat = (tonumber(redis.call('HGET', KEYS[1], 'stat')) or 0) + tonumber(ARGV[4]) * per
local start = math.max(now, stat - tonumber(ARGV[2]))
if tonumber(ARGV[3]) > 0 then stat = math.max(stat, start) + tonumber(ARGV[3]) * per end
redis.call('HSET', KEYS[1], 'stat', stat)
redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(stat - now, 0)) + tonumber(ARGV[5]))
return tostring(start - now)
"#,
    )
});

impl WorkerStore {
    /// Reserves `estimate` micro-dollars of spending and settles `settle` from earlier
    /// calls (measured minus reserved); returns how long to wait before calling.
    pub async fn reserve_spend(
        &self,
        pace: SpendPace,
        estimate: u64,
        settle: i64,
    ) -> Result<Duration, StoreError> {
        let wait: String = RESERVE_SCRIPT
            .key(self.keys.spend())
            .arg(pace.interval_ms)
            .arg(pace.burst_ms)
            .arg(estimate)
            .arg(settle)
            .arg(IDLE_TTL_MS)
            .invoke_async(&mut self.conn())
            .await?;
        let ms: f64 = wait.parse().unwrap_or(0.0);
        Ok(Duration::from_secs_f64(ms.max(0.0) / 1000.0))
    }
}
