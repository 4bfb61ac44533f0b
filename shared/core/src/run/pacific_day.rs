//! Gemini's requests-per-day quotas are counted per Pacific day: they reset at
//! midnight in Los Angeles, whatever the caller's zone.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;

/// The Pacific calendar day `now` falls on.
pub fn pacific_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Los_Angeles).date_naive()
}

/// When the Pacific day after `now` begins, the moment per-day quotas reset.
pub fn next_pacific_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = pacific_day(now) + Days::new(1);
    // Los Angeles changes its clocks at 02:00, so midnight always exists once; the
    // fallback only keeps this total.
    tomorrow
        .and_hms_opt(0, 0, 0)
        .and_then(|midnight| Los_Angeles.from_local_datetime(&midnight).earliest())
        .map_or(now + Days::new(1), |midnight| midnight.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_day_turns_at_midnight_in_los_angeles() {
        // 07:59 UTC in summer is 00:59 PDT; 06:59 UTC the evening before.
        assert_eq!(
            pacific_day(utc("2026-07-01T06:59:00Z")).to_string(),
            "2026-06-30"
        );
        assert_eq!(
            next_pacific_midnight(utc("2026-07-01T06:59:00Z")),
            utc("2026-07-01T07:00:00Z")
        );
        // Winter: PST, UTC−8.
        assert_eq!(
            next_pacific_midnight(utc("2026-12-01T04:00:00Z")),
            utc("2026-12-01T08:00:00Z")
        );
        // The night clocks go back: midnight is still PDT.
        assert_eq!(
            next_pacific_midnight(utc("2026-10-31T12:00:00Z")),
            utc("2026-11-01T07:00:00Z")
        );
    }
}
