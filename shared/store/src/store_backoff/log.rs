//! Logging of repeated store errors, rate-limited per distinct error: the first
//! occurrence is logged, then at most one line per interval with the count of what
//! happened in it, and one line when the store answers again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::lock;
use crate::StoreCondition;

/// How often a repeating error is summarised.
pub const SUMMARY_INTERVAL: Duration = Duration::from_secs(60);

/// Distinct errors remembered at once; past this, the table starts over (a flood of
/// distinct messages is logged once each rather than held in memory).
const MAX_DISTINCT: usize = 64;

/// Error text kept as the key: enough to tell errors apart, short enough that a
/// message with a large payload is not stored.
const KEY_CHARS: usize = 200;

#[derive(Debug)]
pub struct ErrorLog {
    operation: &'static str,
    interval: Duration,
    seen: Mutex<HashMap<String, Seen>>,
}

#[derive(Debug)]
struct Seen {
    /// When the current interval began (the first occurrence, or the last summary).
    since: Instant,
    /// Occurrences in the current interval not logged yet.
    unlogged: u64,
}

/// What `ErrorLog::note` decided for one occurrence.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    First,
    Summary(u64),
    Quiet,
}

impl ErrorLog {
    pub fn new(operation: &'static str, interval: Duration) -> ErrorLog {
        ErrorLog {
            operation,
            interval,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// One occurrence of `error`, logged when it is new or an interval has passed.
    pub fn record(&self, error: &str) {
        let operation = self.operation;
        match self.note(error, Instant::now()) {
            Line::First => {
                tracing::warn!(operation, error, "store error; backing off");
            }
            Line::Summary(count) => tracing::warn!(
                operation,
                error,
                count,
                interval_secs = self.interval.as_secs(),
                "store error repeated; still backing off"
            ),
            Line::Quiet => {}
        }
    }

    /// The store answered after `failures` failures: one line with what was not
    /// logged yet, and the errors are forgotten (the next one is logged as new).
    pub fn recovered(&self, failures: u32) {
        let unlogged: u64 = lock(&self.seen)
            .drain()
            .map(|(_, seen)| seen.unlogged)
            .sum();
        tracing::info!(
            operation = self.operation,
            failures,
            unlogged,
            "store answers again"
        );
    }

    fn note(&self, error: &str, now: Instant) -> Line {
        // Errors that name a condition of Redis (out of memory, read-only, …) count
        // as one error whatever else their text holds (which script, which queue).
        let key: String = match StoreCondition::of_message(error) {
            Some(condition) => condition.as_str().to_string(),
            None => error.chars().take(KEY_CHARS).collect(),
        };
        let mut seen = lock(&self.seen);
        if !seen.contains_key(&key) && seen.len() >= MAX_DISTINCT {
            seen.clear();
        }
        match seen.get_mut(&key) {
            None => {
                seen.insert(
                    key,
                    Seen {
                        since: now,
                        unlogged: 0,
                    },
                );
                Line::First
            }
            Some(entry) if now.duration_since(entry.since) >= self.interval => {
                let count = entry.unlogged + 1;
                *entry = Seen {
                    since: now,
                    unlogged: 0,
                };
                Line::Summary(count)
            }
            Some(entry) => {
                entry.unlogged += 1;
                Line::Quiet
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_logged_first_then_summarised_once_per_interval() {
        let log = ErrorLog::new("test", Duration::from_secs(60));
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        assert_eq!(log.note("OOM", at(0)), Line::First);
        for second in 1..60 {
            assert_eq!(log.note("OOM", at(second)), Line::Quiet);
        }
        assert_eq!(log.note("OOM", at(60)), Line::Summary(60));
        assert_eq!(log.note("OOM", at(61)), Line::Quiet);
        assert_eq!(log.note("OOM", at(120)), Line::Summary(2));
    }

    #[test]
    fn distinct_errors_are_counted_apart() {
        let log = ErrorLog::new("test", Duration::from_secs(60));
        let now = Instant::now();
        assert_eq!(log.note("OOM", now), Line::First);
        assert_eq!(log.note("READONLY", now), Line::First);
        assert_eq!(log.note("OOM", now), Line::Quiet);
    }

    #[test]
    fn refusals_of_one_kind_count_as_one_error() {
        let log = ErrorLog::new("test", Duration::from_secs(60));
        let now = Instant::now();
        let oom = "\"OOM\": command not allowed when used memory > 'maxmemory'";
        assert_eq!(log.note(&format!("{oom}. script: 9a71"), now), Line::First);
        assert_eq!(
            log.note(&format!("poll: {oom}. script: 5c1d"), now),
            Line::Quiet
        );
    }

    #[test]
    fn after_a_recovery_the_next_error_is_new() {
        let log = ErrorLog::new("test", Duration::from_secs(60));
        let now = Instant::now();
        assert_eq!(log.note("OOM", now), Line::First);
        log.recovered(1);
        assert_eq!(log.note("OOM", now), Line::First);
    }

    #[test]
    fn the_table_of_distinct_errors_is_bounded() {
        let log = ErrorLog::new("test", Duration::from_secs(60));
        let now = Instant::now();
        for n in 0..(MAX_DISTINCT * 3) {
            log.note(&format!("error {n}"), now);
        }
        assert!(lock(&log.seen).len() <= MAX_DISTINCT);
    }
}
