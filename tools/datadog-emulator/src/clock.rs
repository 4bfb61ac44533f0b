//! Time as the emulator sees it: wall-clock milliseconds, RFC 3339 timestamps for
//! answers, and Datadog's rule that intake timestamps lie within a window of now.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `2026-03-05T19:59:06.786837Z`, as Datadog writes `created_at`.
pub fn rfc3339(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Whether `timestamp_ms` is within `window_secs` of `now_ms`, before or after.
pub fn within_window(timestamp_ms: i64, now_ms: i64, window_secs: u64) -> bool {
    let window_ms = i64::try_from(window_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    timestamp_ms.abs_diff(now_ms) <= window_ms.unsigned_abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_holds_both_ways() {
        let day = 24 * 60 * 60;
        let now = 1_800_000_000_000;
        assert!(within_window(now - day as i64 * 1000, now, day));
        assert!(!within_window(now - day as i64 * 1000 - 1, now, day));
        assert!(within_window(now + 1000, now, day));
        assert!(!within_window(now + day as i64 * 1000 + 1, now, day));
    }
}
