//! Whether the store answers, and whether it accepts writes (the API's `/readyz`,
//! health routes and stall reports).
//!
//! A `PING` only says Redis is up; a Redis over `maxmemory` answers it and refuses
//! every write. The probe therefore writes one small key of its own (with an
//! expiry), and classifies the answer as a `StoreCondition`.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::error::corrupt;
use super::{Store, StoreCondition, StoreError};

/// A probe slower than this reports `slow`.
pub const SLOW: Duration = Duration::from_millis(500);
/// A probe with no answer after this reports `unreachable`: a stalled Redis must not
/// hold up a readiness check for the connection's full response timeout.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// The probe key's time-to-live.
const PROBE_TTL_MS: u64 = 60_000;

/// Redis's memory use and limit (`INFO memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisMemory {
    pub used_bytes: u64,
    /// `maxmemory`; 0 means no limit.
    pub max_bytes: u64,
}

/// What the health probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreHealth {
    pub condition: StoreCondition,
    /// Redis's own words when it refused or failed (no secret: Redis errors carry
    /// none), absent when all is well.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How long the probe took, in milliseconds.
    pub latency_ms: u64,
}

impl Store {
    /// Memory used and `maxmemory`, from `INFO memory` (a read: answered even by a
    /// full Redis).
    pub async fn memory(&self) -> Result<RedisMemory, StoreError> {
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .query_async(&mut self.conn())
            .await?;
        let field = |name: &str| {
            info.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|value| value.trim().parse::<u64>().ok())
                .ok_or_else(|| corrupt("INFO memory", format!("no {name} field")))
        };
        Ok(RedisMemory {
            used_bytes: field("used_memory")?,
            max_bytes: field("maxmemory")?,
        })
    }

    /// Writes the probe key and classifies the outcome.
    pub async fn health(&self) -> StoreHealth {
        let started = Instant::now();
        let mut conn = self.conn();
        let mut probe = redis::cmd("SET");
        probe
            .arg(self.keys.health_probe())
            .arg(chrono::Utc::now().timestamp_millis())
            .arg("PX")
            .arg(PROBE_TTL_MS);
        let outcome = tokio::time::timeout(PROBE_TIMEOUT, probe.query_async::<()>(&mut conn)).await;
        let latency = started.elapsed();
        let (condition, detail) = match outcome {
            Err(_) => (
                StoreCondition::Unreachable,
                Some(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
            ),
            Ok(Err(error)) => (
                StoreCondition::of_redis(&error).unwrap_or(StoreCondition::Unreachable),
                Some(error.to_string()),
            ),
            Ok(Ok(())) if latency > SLOW => (StoreCondition::Slow, None),
            Ok(Ok(())) => (StoreCondition::Reachable, None),
        };
        StoreHealth {
            condition,
            detail,
            latency_ms: latency.as_millis() as u64,
        }
    }
}
