use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};

use super::*;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn calendar(cron: &str, zone: &str) -> Calendar {
    Calendar::new(
        CronExpr::parse(cron).unwrap(),
        ZoneName::parse(zone).unwrap(),
    )
}

#[test]
fn monday_0800_utc_fires_on_every_monday_of_a_year_and_nothing_else() {
    let weekly = calendar("0 8 * * 1", "UTC");
    let start = utc(2025, 6, 1, 0, 0);
    let end = utc(2026, 6, 1, 0, 0);
    let fired = weekly.between(start, end, 1000);

    // The expected list, built day by day without any cron code.
    let mut expected = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    while day < NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() {
        if day.weekday() == Weekday::Mon {
            expected.push(Utc.from_utc_datetime(&day.and_hms_opt(8, 0, 0).unwrap()));
        }
        day = day.succ_opt().unwrap();
    }
    assert_eq!(fired, expected);
    assert_eq!(fired.len(), 52);
    // Around the turn of the year: the last Monday of 2025, the first of 2026.
    assert!(fired.contains(&utc(2025, 12, 29, 8, 0)));
    assert!(fired.contains(&utc(2026, 1, 5, 8, 0)));
    assert!(fired.windows(2).all(|w| w[1] - w[0] == Duration::days(7)));
}

#[test]
fn the_latest_slot_is_the_slot_itself_at_its_second_and_the_week_before_just_before() {
    let weekly = calendar("0 8 * * 1", "UTC");
    let monday = utc(2026, 1, 5, 8, 0);
    assert_eq!(weekly.latest_at_or_before(monday), Some(monday));
    assert_eq!(
        weekly.latest_at_or_before(monday + Duration::milliseconds(500)),
        Some(monday)
    );
    assert_eq!(
        weekly.latest_at_or_before(monday - Duration::seconds(1)),
        Some(utc(2025, 12, 29, 8, 0))
    );
    assert_eq!(weekly.next_after(monday), Some(utc(2026, 1, 12, 8, 0)));
    assert_eq!(
        weekly.upcoming(utc(2025, 12, 30, 0, 0), 2),
        vec![utc(2026, 1, 5, 8, 0), utc(2026, 1, 12, 8, 0)]
    );
}

#[test]
fn crontab_day_of_week_numbers_and_names() {
    let sunday = utc(2026, 1, 4, 8, 0);
    assert_eq!(sunday.weekday(), Weekday::Sun);
    for cron in ["0 8 * * 0", "0 8 * * 7", "0 8 * * SUN", "0 8 * * sun"] {
        assert_eq!(
            calendar(cron, "UTC").next_after(utc(2026, 1, 1, 0, 0)),
            Some(sunday),
            "{cron}"
        );
    }
    let weekdays = calendar("0 8 * * MON-FRI", "UTC").upcoming(utc(2026, 1, 3, 0, 0), 5);
    let days: Vec<Weekday> = weekdays.iter().map(|t| t.weekday()).collect();
    assert_eq!(
        days,
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri
        ]
    );
    let quarter_hours = calendar("*/15 9-10 * * 1,3", "UTC").upcoming(utc(2026, 1, 5, 0, 0), 9);
    assert_eq!(quarter_hours[0], utc(2026, 1, 5, 9, 0));
    assert_eq!(quarter_hours[7], utc(2026, 1, 5, 10, 45));
    assert_eq!(quarter_hours[8], utc(2026, 1, 7, 9, 0));
    let monthly = calendar("@monthly", "UTC");
    assert_eq!(
        monthly.next_after(utc(2026, 1, 5, 0, 0)),
        Some(utc(2026, 2, 1, 0, 0))
    );
}

#[test]
fn invalid_expressions_name_the_field() {
    let cases = [
        ("0 8 * * 8", "day-of-week field \"8\""),
        ("61 * * * *", "minute field \"61\""),
        ("0 24 * * *", "hour field \"24\""),
        ("0 0 32 * *", "day-of-month field \"32\""),
        ("0 8 * 13 *", "month field \"13\""),
        ("0 8 * * MOX", "day-of-week field \"MOX\""),
        ("0 0 8 * * 1", "found 6; a seconds field is not supported"),
        ("0 8 * *", "must have 5 fields"),
        ("", "must have 5 fields"),
        ("0 0 30 2 *", "never fires"),
        ("@reboot", "is not a known nickname"),
    ];
    for (cron, expected) in cases {
        let err = CronExpr::parse(cron).unwrap_err().to_string();
        assert!(err.contains(expected), "{cron}: {err}");
        assert!(err.ends_with(&format!("got {:?}", cron)), "{cron}: {err}");
    }
}

#[test]
fn time_zones_are_iana_names() {
    assert_eq!(ZoneName::default().as_str(), "UTC");
    assert_eq!(
        ZoneName::parse("Europe/Berlin").unwrap().as_str(),
        "Europe/Berlin"
    );
    let err = ZoneName::parse("CEST+2").unwrap_err().to_string();
    assert!(err.contains("IANA time zone"), "{err}");
}

/// Every distinct slot a scheduler polling every five minutes would see, from
/// `start` for `hours`.
fn slots_seen_polling(
    calendar: &Calendar,
    start: DateTime<Utc>,
    hours: i64,
) -> BTreeSet<DateTime<Utc>> {
    let mut seen = BTreeSet::new();
    let mut now = start;
    while now < start + Duration::hours(hours) {
        if let Some(slot) = calendar.latest_at_or_before(now)
            && slot >= start
        {
            seen.insert(slot);
        }
        now += Duration::minutes(5);
    }
    seen
}

#[test]
fn a_berlin_0230_schedule_fires_once_on_each_dst_change_day() {
    let nightly = calendar("30 2 * * *", "Europe/Berlin");
    // Spring forward, 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not
    // exist and the slot is the first instant after the gap.
    let spring = nightly.between(utc(2025, 3, 28, 12, 0), utc(2025, 4, 1, 12, 0), 10);
    assert_eq!(
        spring,
        vec![
            utc(2025, 3, 29, 1, 30), // 02:30 CET
            utc(2025, 3, 30, 1, 0),  // 03:00 CEST, right after the gap
            utc(2025, 3, 31, 0, 30), // 02:30 CEST
            utc(2025, 4, 1, 0, 30),
        ]
    );
    assert_eq!(
        slots_seen_polling(&nightly, utc(2025, 3, 28, 12, 0), 4 * 24)
            .into_iter()
            .collect::<Vec<_>>(),
        spring
    );
    // Fall back, 2025-10-26: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice
    // and fires once, the first time.
    let autumn = nightly.between(utc(2025, 10, 24, 12, 0), utc(2025, 10, 28, 12, 0), 10);
    assert_eq!(
        autumn,
        vec![
            utc(2025, 10, 25, 0, 30), // 02:30 CEST
            utc(2025, 10, 26, 0, 30), // the first 02:30 (CEST), not 01:30 UTC (CET)
            utc(2025, 10, 27, 1, 30), // 02:30 CET
            utc(2025, 10, 28, 1, 30),
        ]
    );
    assert_eq!(
        slots_seen_polling(&nightly, utc(2025, 10, 24, 12, 0), 4 * 24)
            .into_iter()
            .collect::<Vec<_>>(),
        autumn
    );
}

#[test]
fn a_new_york_monday_schedule_keeps_its_wall_clock_time_across_dst() {
    let weekly = calendar("0 8 * * 1", "America/New_York");
    // DST starts Sunday 2026-03-08 in the United States.
    let fired = weekly.between(utc(2026, 2, 26, 0, 0), utc(2026, 3, 20, 0, 0), 10);
    assert_eq!(
        fired,
        vec![
            utc(2026, 3, 2, 13, 0), // 08:00 EST
            utc(2026, 3, 9, 12, 0), // 08:00 EDT
            utc(2026, 3, 16, 12, 0),
        ]
    );
    assert!(fired.iter().all(|t| t.minute() == 0));
}

#[test]
fn an_over_long_expression_is_refused_without_being_echoed() {
    let long = format!("0 8 * * {}", "1,".repeat(100_000));
    let err = CronExpr::parse(&long).unwrap_err().to_string();
    assert_eq!(err, "must be at most 200 characters, got 200008 characters");
}
