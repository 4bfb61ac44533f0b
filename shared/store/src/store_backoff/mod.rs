//! What a loop that talks to Redis does when Redis fails: wait longer after each
//! failure (`delay`), and say so without flooding the log (`log`).
//!
//! A Redis that refuses writes (out of memory, read-only replica, loading) or cannot
//! be reached fails every command at once; a loop that retries immediately, or a log
//! line per failure, turns that into a CPU and disk problem of its own.
//! `StoreBackoff` combines both: `failed` logs (rate-limited) and returns how long
//! to wait; `succeeded` resets the delay and reports the recovery once.

mod delay;
mod log;

use std::sync::Mutex;
use std::time::Duration;

pub use delay::Delays;
pub use log::ErrorLog;

/// The backoff and rate-limited log of one loop (or of one shared gate). Shared
/// freely: every method takes `&self`.
#[derive(Debug)]
pub struct StoreBackoff {
    delays: Delays,
    failures: Mutex<u32>,
    log: ErrorLog,
}

impl StoreBackoff {
    /// `operation` names the loop in every log line (`"chunk queue"`, `"sweep"`).
    pub fn new(operation: &'static str, delays: Delays) -> StoreBackoff {
        StoreBackoff {
            delays,
            failures: Mutex::new(0),
            log: ErrorLog::new(operation, log::SUMMARY_INTERVAL),
        }
    }

    /// Records one failure: logs it (the first of its kind, then a count per interval)
    /// and returns how long to wait before trying again.
    pub fn failed(&self, error: &dyn std::fmt::Display) -> Duration {
        self.log.record(&error.to_string());
        let mut failures = lock(&self.failures);
        *failures = failures.saturating_add(1);
        self.delays.after(*failures)
    }

    /// Records a success: the next failure waits the shortest delay again, and a
    /// recovery after failures is logged once.
    pub fn succeeded(&self) {
        let failures = std::mem::take(&mut *lock(&self.failures));
        if failures > 0 {
            self.log.recovered(failures);
        }
    }

    /// The delay the failures since the last success call for (zero without any).
    pub fn delay(&self) -> Duration {
        match self.failures() {
            0 => Duration::ZERO,
            failures => self.delays.after(failures),
        }
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        *lock(&self.failures)
    }
}

/// A poisoned lock only means another thread panicked while counting: the count is
/// still a number worth using.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
