//! `StoreWatch`: the store's condition as this API process last saw it, and since
//! when it has refused writes.
//!
//! `/readyz`, the health answer and the status of a running run all ask; a probe
//! is one small write, so answers younger than `FRESH` are shared rather than every
//! request writing to a Redis that is already in trouble. "Since when" is when this
//! process first saw the refusal: Redis does not say when it filled up.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tally_core::contract::views::RedisState;
use tally_store::{Store, StoreCondition, StoreHealth};

/// How long one probe's answer is reused.
const FRESH: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub struct StoreWatch {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    last: Option<(Instant, Observed)>,
}

/// A probe's outcome, with when the current refusal began (if writes are refused).
#[derive(Debug, Clone)]
pub struct Observed {
    pub health: StoreHealth,
    pub refusing_since: Option<DateTime<Utc>>,
}

impl StoreWatch {
    /// The store's condition, probed at most once per `FRESH`.
    pub async fn observe(&self, store: &Store) -> Observed {
        if let Some((at, observed)) = &self.lock().last
            && at.elapsed() < FRESH
        {
            return observed.clone();
        }
        let health = store.health().await;
        Self::record(&mut self.lock(), health)
    }

    /// Notes a condition learned another way (the store could not be reached at
    /// all), so that later answers say since when.
    pub fn unreachable(&self, detail: String) -> Observed {
        let health = StoreHealth {
            condition: StoreCondition::Unreachable,
            detail: Some(detail),
            latency_ms: 0,
        };
        Self::record(&mut self.lock(), health)
    }

    fn record(seen: &mut Seen, health: StoreHealth) -> Observed {
        let previous = seen.last.as_ref().and_then(|(_, o)| o.refusing_since);
        let refusing_since = if health.condition.accepts_writes() {
            None
        } else {
            Some(previous.unwrap_or_else(Utc::now))
        };
        let observed = Observed {
            health,
            refusing_since,
        };
        seen.last = Some((Instant::now(), observed.clone()));
        observed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // Only a snapshot lives here: a panic elsewhere leaves it usable.
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The store's condition as the API's answers name it.
pub fn redis_state(condition: StoreCondition) -> RedisState {
    match condition {
        StoreCondition::Reachable => RedisState::Reachable,
        StoreCondition::Slow => RedisState::Slow,
        StoreCondition::OutOfMemory => RedisState::OutOfMemory,
        StoreCondition::ReadOnly => RedisState::ReadOnly,
        StoreCondition::Loading => RedisState::Loading,
        StoreCondition::Unreachable => RedisState::Unreachable,
    }
}
