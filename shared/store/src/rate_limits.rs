//! The shared per-model rate limiter: one hash per model, changed only by the Lua
//! scripts here, on Redis's clock (workers' clocks need not agree).
//!
//! It is GCRA used for reservations: `tat` is the earliest time the next request may
//! go out; a caller reserves the slot at `max(now, tat, blocked)` and the next one
//! starts an interval later, so requests leave strictly spaced and no window of the
//! quota's length ever holds more than the quota. Tokens are paced the same way
//! (`ttat`), with a burst allowance, so a window holds at most its share, the burst
//! and one call. A call's tokens are only known after it: it reserves an estimate,
//! and the difference is settled with its next reservation. Concurrent calls of one
//! process reserve in a group (`reserve_calls`, one script): the slots, in order,
//! that the same calls reserving one after another would get. The same script counts
//! each call against the model's requests per day (`daily_quota`'s keys): a call
//! under a daily block, or counting past the day's limit, takes no slot. A model
//! without a pace (`ModelPace::UNPACED`) keeps no limiter state; its calls are only
//! counted.
//!
//! When quota 429s still come, `rate_limited` blocks the model until the server's
//! retry delay for every worker, and lowers the model's `factor` (the share of the
//! configured rate in use; once per cool-down, so a burst of 429s from one event
//! counts once) only when our own rate explains the 429 (calls were queueing for the
//! pace) or unexplained ones repeat; the factor climbs back linearly over the
//! recovery time. Contention 429s and 503s never reach the limiter.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use redis::Script;
use tally_core::run::{next_pacific_midnight, pacific_day};

use super::error::corrupt;
use super::{Store, StoreError, WorkerStore};

/// Pacing of one model, in Redis-time milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelPace {
    /// Between two requests at full rate; 0 = requests are not limited.
    pub request_interval_ms: f64,
    /// Per token at full rate; 0 = tokens are not limited.
    pub token_interval_ms: f64,
    /// How far the token schedule may run ahead of now (a burst).
    pub token_burst_ms: f64,
    /// Time for the factor to climb from 0 back to 1 after a 429.
    pub recovery_ms: f64,
}

impl ModelPace {
    /// A model without rate limits: its calls never wait for a slot (only for its
    /// daily quota).
    pub const UNPACED: ModelPace = ModelPace {
        request_interval_ms: 0.0,
        token_interval_ms: 0.0,
        token_burst_ms: 0.0,
        recovery_ms: 0.0,
    };
}

/// How a 429 changes the pace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slowdown {
    /// The factor is multiplied by this (e.g. 0.5).
    pub multiplier: f64,
    /// The factor never drops below this.
    pub min_factor: f64,
    /// Block this long when the server named no retry delay.
    pub default_block: Duration,
    /// Quota 429s our own rate does not explain that lower the pace when they come
    /// within the recovery time (someone else is using the project's quota).
    pub strikes: u32,
}

/// One call's reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// Input tokens the call is estimated at.
    pub estimated_tokens: u64,
    /// Measured minus reserved tokens of earlier calls, settled before this one.
    pub token_correction: i64,
    /// Whether the call counts against the model's requests per day (a call taking
    /// a new slot after waking up late was counted with its first one).
    pub counts_request: bool,
}

/// What a call's reservation got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The call sends after this wait.
    After(Duration),
    /// The model's daily quota is used up until then: no slot was taken and the
    /// request was not counted.
    DailyQuotaUsedUp(DateTime<Utc>),
}

/// A model's limiter as it stands (for metrics and tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateState {
    /// The share of the configured rate in use (1 = full).
    pub factor: f64,
    /// How long the model is still blocked by a server's retry delay.
    pub blocked_for: Duration,
}

/// Limiter state is dropped this long after it stops mattering.
const IDLE_TTL_MS: u64 = 3_600_000;

const NOW: &str = r#"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
"#;

/// The factor with its linear recovery since `factor_at` applied.
const RECOVERED: &str = r#"
local function recovered(factor, factor_at, recovery, now)
  if factor >= 1 then return 1 end
  if recovery <= 0 then return 1 end
  return math.min(1, factor + math.max(0, now - factor_at) / recovery)
end
"#;

/// KEYS: limiter, the day's request count, the daily block. ARGV: request interval,
/// token interval, token burst, recovery (ms), idle ttl, requests per day (0 = no
/// limit), the day's end (ms since the epoch), then per call in order: its estimated
/// tokens, the tokens it settles from earlier calls (signed), whether it counts
/// against the day (1/0). Each call reserves as if alone, after the ones before it
/// (one `now`: they arrive together). A call under a daily block, or counting past
/// the day's limit (which sets the block), takes no slot. Returns per call a pair:
/// {"wait", ms} or {"daily", the block's end in ms} (strings: fractional).
static RESERVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r#"{NOW}{RECOVERED}
local req = tonumber(ARGV[1])
local tok = tonumber(ARGV[2])
local paced = req > 0 or tok > 0
local idle = tonumber(ARGV[5])
local limit = tonumber(ARGV[6])
local reset = tonumber(ARGV[7])
local day_block = tonumber(redis.call('GET', KEYS[3]) or '0')
if day_block <= now then day_block = 0 end
local sent_before = false
local sent = 0
if limit > 0 and day_block == 0 then
  sent_before = redis.call('GET', KEYS[2])
  sent = tonumber(sent_before or '0')
end
local counted = 0
local tat, ttat, factor, blocked, expire_at = 0, 0, 1, 0, 0
if paced then
  local s = redis.call('HMGET', KEYS[1], 'tat', 'ttat', 'factor', 'factor_at', 'blocked', 'expire_at')
  tat = tonumber(s[1]) or 0
  ttat = tonumber(s[2]) or 0
  factor = recovered(tonumber(s[3]) or 1, tonumber(s[4]) or now, tonumber(ARGV[4]), now)
  blocked = tonumber(s[5]) or 0
  expire_at = tonumber(s[6]) or 0
  req = req / factor
  tok = tok / factor
end
local burst = tonumber(ARGV[3])
local replies = {{}}
for i = 8, #ARGV, 3 do
  ttat = ttat + tonumber(ARGV[i + 1]) * tok
  local counts = ARGV[i + 2] == '1'
  if counts and day_block == 0 and limit > 0 then
    if sent + counted < limit then
      counted = counted + 1
    else
      day_block = reset
      redis.call('SET', KEYS[3], reset, 'PXAT', reset)
    end
  end
  if day_block > 0 then
    replies[#replies + 1] = 'daily'
    replies[#replies + 1] = tostring(day_block)
  else
    local start = math.max(now, blocked)
    if req > 0 then start = math.max(start, tat) end
    if tok > 0 then start = math.max(start, ttat - burst) end
    if req > 0 then tat = start + req end
    if tok > 0 then ttat = math.max(ttat, start) + tonumber(ARGV[i]) * tok end
    replies[#replies + 1] = 'wait'
    replies[#replies + 1] = tostring(start - now)
  end
end
if counted > 0 then
  redis.call('INCRBY', KEYS[2], counted)
  if not sent_before then redis.call('PEXPIREAT', KEYS[2], reset + 3600000) end
end
if paced then
  -- The state lives at least half the idle time past its last slot: its expiry is
  -- moved (one command more) only when it came closer than that.
  local needed = math.ceil(math.max(tat, ttat, blocked))
  local moved = expire_at < needed + idle / 2
  if moved then expire_at = needed + idle end
  redis.call('HSET', KEYS[1], 'tat', tat, 'ttat', ttat, 'factor', factor, 'factor_at', now,
    'expire_at', expire_at)
  if moved then redis.call('PEXPIREAT', KEYS[1], expire_at) end
end
return replies
"#
    ))
});

/// KEYS: limiter. ARGV: block (ms), multiplier, min factor, recovery (ms), idle ttl,
/// request interval, token burst (ms), strikes that lower the pace unexplained.
/// Returns 1 when the pace was lowered.
static RATE_LIMITED_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r#"{NOW}{RECOVERED}
local s = redis.call('HMGET', KEYS[1], 'tat', 'factor', 'factor_at', 'blocked', 'cooldown', 'ttat', 'strikes', 'strike_at')
local tat = tonumber(s[1]) or 0
local factor = recovered(tonumber(s[2]) or 1, tonumber(s[3]) or now, tonumber(ARGV[4]), now)
local blocked = tonumber(s[4]) or 0
local cooldown = tonumber(s[5]) or 0
local ttat = tonumber(s[6]) or 0
local strikes = tonumber(s[7]) or 0
local strike_at = tonumber(s[8]) or 0
local block = tonumber(ARGV[1])
local req = tonumber(ARGV[6])
-- Our own rate explains the 429 when calls are queueing for the pace: a request
-- slot or the token schedule already runs ahead of now (and of an earlier block).
local free = math.max(now, blocked)
local busy = (req > 0 and tat > free + req / factor) or (ttat - tonumber(ARGV[7]) > free)
if now - strike_at > tonumber(ARGV[4]) then strikes = 0 end
if not busy then
  strikes = strikes + 1
  strike_at = now
end
local lowered = 0
if (busy or strikes >= tonumber(ARGV[8])) and now >= cooldown then
  factor = math.max(tonumber(ARGV[3]), factor * tonumber(ARGV[2]))
  cooldown = now + math.max(block, 1000)
  strikes = 0
  lowered = 1
end
blocked = math.max(blocked, now + block)
local expire_at = math.ceil(math.max(tat, ttat, blocked)) + tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'factor', factor, 'factor_at', now, 'blocked', blocked, 'cooldown', cooldown,
  'tat', math.max(tat, blocked), 'strikes', strikes, 'strike_at', strike_at, 'expire_at', expire_at)
redis.call('PEXPIREAT', KEYS[1], expire_at)
return lowered
"#
    ))
});

/// KEYS: limiter. ARGV: recovery (ms). Returns {factor, blocked for (ms)} as strings.
static STATE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r#"{NOW}{RECOVERED}
local s = redis.call('HMGET', KEYS[1], 'factor', 'factor_at', 'blocked')
local factor = recovered(tonumber(s[1]) or 1, tonumber(s[2]) or now, tonumber(ARGV[1]), now)
return {{tostring(factor), tostring(math.max(0, (tonumber(s[3]) or 0) - now))}}
"#
    ))
});

impl WorkerStore {
    /// Reserves the next slots of `model` for `calls`, in order, each settling its
    /// token correction before it reserves its estimate, and counts the calls that
    /// count against `requests_per_day` (0 = no limit; a per-day 429's block still
    /// holds them back); returns each call's slot.
    pub async fn reserve_calls(
        &self,
        model: &str,
        pace: &ModelPace,
        requests_per_day: u64,
        calls: &[Reservation],
    ) -> Result<Vec<Slot>, StoreError> {
        let now = Utc::now();
        let day = pacific_day(now).to_string();
        let key = self.keys.rate_limit(model);
        let mut invocation = RESERVE_SCRIPT.key(&key);
        invocation
            .key(self.keys.daily_requests(model, &day))
            .key(self.keys.daily_block(model))
            .arg(pace.request_interval_ms)
            .arg(pace.token_interval_ms)
            .arg(pace.token_burst_ms)
            .arg(pace.recovery_ms)
            .arg(IDLE_TTL_MS)
            .arg(requests_per_day)
            .arg(next_pacific_midnight(now).timestamp_millis());
        for call in calls {
            invocation
                .arg(call.estimated_tokens)
                .arg(call.token_correction)
                .arg(u8::from(call.counts_request));
        }
        let replies: Vec<String> = invocation.invoke_async(&mut self.conn()).await?;
        if replies.len() != calls.len() * 2 {
            return Err(corrupt(
                &key,
                format!("{} replies for {} calls", replies.len(), calls.len()),
            ));
        }
        replies
            .chunks_exact(2)
            .map(|reply| slot(&key, &reply[0], &reply[1]))
            .collect()
    }

    /// A call to `model` was answered with a quota 429: block the model for
    /// `retry_after` (the server's advice) for every worker, and lower its pace when
    /// our own rate explains the 429 (calls were queueing for the pace) or when
    /// unexplained ones keep coming (`slowdown.strikes` within the recovery time).
    /// Returns whether the pace was lowered.
    pub async fn rate_limited(
        &self,
        model: &str,
        pace: &ModelPace,
        slowdown: &Slowdown,
        retry_after: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let block = retry_after.unwrap_or(slowdown.default_block);
        let lowered: u8 = RATE_LIMITED_SCRIPT
            .key(self.keys.rate_limit(model))
            .arg(block.as_millis() as u64)
            .arg(slowdown.multiplier)
            .arg(slowdown.min_factor)
            .arg(pace.recovery_ms)
            .arg(IDLE_TTL_MS)
            .arg(pace.request_interval_ms)
            .arg(pace.token_burst_ms)
            .arg(slowdown.strikes)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(lowered == 1)
    }
}

impl Store {
    /// The limiter of `model` now.
    pub async fn rate_state(&self, model: &str, pace: &ModelPace) -> Result<RateState, StoreError> {
        let key = self.keys.rate_limit(model);
        let (factor, blocked): (String, String) = STATE_SCRIPT
            .key(&key)
            .arg(pace.recovery_ms)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(RateState {
            factor: factor
                .parse()
                .map_err(|e| corrupt(&key, format!("factor {factor:?}: {e}")))?,
            blocked_for: millis(&key, &blocked)?,
        })
    }
}

/// One call's slot as the reservation script returns it.
fn slot(key: &str, kind: &str, value: &str) -> Result<Slot, StoreError> {
    match kind {
        "wait" => Ok(Slot::After(millis(key, value)?)),
        "daily" => value
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .map(Slot::DailyQuotaUsedUp)
            .ok_or_else(|| corrupt(key, format!("daily block {value:?}"))),
        other => Err(corrupt(key, format!("slot {other:?}"))),
    }
}

/// A duration in (fractional) milliseconds, as the scripts return it.
fn millis(key: &str, text: &str) -> Result<Duration, StoreError> {
    let ms: f64 = text
        .parse()
        .map_err(|e| corrupt(key, format!("{text:?}: {e}")))?;
    Ok(Duration::from_secs_f64(ms.max(0.0) / 1000.0))
}
