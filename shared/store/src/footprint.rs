//! Fit, or refuse before starting: what a run (or a dataset version) is expected to
//! take of Redis memory, compared with the room left before anything is written.
//!
//! The room is `TALLY_REDIS_MEMORY_BUDGET` (when set) or Redis's `maxmemory`, less
//! `used_memory` (`INFO memory`); with neither limit there is nothing to check. A run
//! refused here never starts, where one let through would stall when Redis fills up.
//! The figures are estimates from measurements (`docs/src/redis.md`): they err on
//! the large side.

use std::fmt;

use super::settings::MEMORY_BUDGET_ENV;
use super::{Store, StoreError};

/// Redis bytes one record's result takes: the result JSON in the experiment's
/// results hash, its place in the order list and its attempt count. An upper bound
/// of what the sample's results take (`results_take_no_more_than_the_footprint_says`).
pub const BYTES_PER_RESULT: u64 = 8 * 1024;

/// What is about to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Footprint {
    /// A run's results: `records` summed over its `experiments`, each run `trials`
    /// times.
    Run {
        records: u64,
        experiments: u64,
        trials: u64,
    },
    /// A dataset version's compressed record blocks.
    Dataset { records: u64, bytes: u64 },
}

impl Footprint {
    /// The results of experiments of `records` each, every record run `trials` times.
    pub fn run(records: impl IntoIterator<Item = u64>, trials: u64) -> Footprint {
        let (records, experiments) = records
            .into_iter()
            .fold((0u64, 0u64), |(sum, n), r| (sum.saturating_add(r), n + 1));
        Footprint::Run {
            records,
            experiments,
            trials,
        }
    }

    /// Expected Redis bytes.
    pub fn bytes(&self) -> u64 {
        match *self {
            Footprint::Run {
                records, trials, ..
            } => records
                .saturating_mul(trials)
                .saturating_mul(BYTES_PER_RESULT),
            Footprint::Dataset { bytes, .. } => bytes,
        }
    }

    /// The request field that decides the size (what a client changes to fit).
    pub fn field(&self) -> &'static str {
        match self {
            Footprint::Run { .. } => "sample_size",
            Footprint::Dataset { .. } => "path",
        }
    }
}

impl fmt::Display for Footprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Footprint::Run {
                records,
                experiments,
                trials,
            } => write!(
                f,
                "the run needs about {} of Redis memory for its results ({records} records \
                 over {experiments} experiment(s) × {trials} trial(s) × {} per result)",
                Bytes(self.bytes()),
                Bytes(BYTES_PER_RESULT)
            ),
            Footprint::Dataset { records, bytes } => write!(
                f,
                "the dataset needs about {} of Redis memory for its {records} records",
                Bytes(bytes)
            ),
        }
    }
}

/// The memory a write may still take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    pub used_bytes: u64,
    pub limit_bytes: u64,
    /// Where the limit comes from: `maxmemory` or `TALLY_REDIS_MEMORY_BUDGET`.
    pub limit: &'static str,
}

impl Room {
    pub fn free_bytes(&self) -> u64 {
        self.limit_bytes.saturating_sub(self.used_bytes)
    }
}

/// A write refused before it started: its footprint and the room there was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{footprint}, but {} is free ({} {}, {} used); use a smaller {}, free Redis memory or raise the limit",
    Bytes(room.free_bytes()),
    room.limit,
    Bytes(room.limit_bytes),
    Bytes(room.used_bytes),
    footprint.field()
)]
pub struct WontFit {
    pub footprint: Footprint,
    pub room: Room,
}

/// A byte count as people read it (`6.2 MB`, powers of 1024).
struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
        if self.0 < 1024 {
            return write!(f, "{} bytes", self.0);
        }
        let mut value = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

impl Store {
    /// The room left under the budget or `maxmemory`; `None` when neither limits
    /// Redis.
    pub async fn room(&self) -> Result<Option<Room>, StoreError> {
        let memory = self.memory().await?;
        let (limit_bytes, limit) = match self.memory_budget {
            Some(budget) => (budget, MEMORY_BUDGET_ENV),
            None if memory.max_bytes > 0 => (memory.max_bytes, "maxmemory"),
            None => return Ok(None),
        };
        Ok(Some(Room {
            used_bytes: memory.used_bytes,
            limit_bytes,
            limit,
        }))
    }

    /// Refuses (`StoreError::WontFit`) what would not fit in the room left. A Redis
    /// already at `maxmemory` is let to refuse the write itself: that is the store's
    /// condition (out of memory, 503, over once memory is freed), not the request's.
    pub(crate) async fn ensure_room(&self, footprint: Footprint) -> Result<(), StoreError> {
        match self.room().await? {
            Some(room) if room.limit == "maxmemory" && room.free_bytes() == 0 => Ok(()),
            Some(room) if footprint.bytes() > room.free_bytes() => {
                Err(StoreError::WontFit(Box::new(WontFit { footprint, room })))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_needs_its_results_times_trials() {
        let run = Footprint::run([100, 100, 50], 2);
        assert_eq!(
            run,
            Footprint::Run {
                records: 250,
                experiments: 3,
                trials: 2
            }
        );
        assert_eq!(run.bytes(), 500 * BYTES_PER_RESULT);
        assert_eq!(Footprint::run([u64::MAX], 3).bytes(), u64::MAX);
    }

    #[test]
    fn the_refusal_gives_the_numbers() {
        let refusal = WontFit {
            footprint: Footprint::run([3000], 1),
            room: Room {
                used_bytes: 25 << 20,
                limit_bytes: 30 << 20,
                limit: "maxmemory",
            },
        };
        assert_eq!(
            refusal.to_string(),
            "the run needs about 23.4 MB of Redis memory for its results (3000 records over \
             1 experiment(s) × 1 trial(s) × 8.0 KB per result), but 5.0 MB is free \
             (maxmemory 30.0 MB, 25.0 MB used); use a smaller sample_size, free Redis \
             memory or raise the limit"
        );
        assert_eq!(Bytes(512).to_string(), "512 bytes");
    }
}
