//! `Calendar`: when a schedule fires — a standard 5-field crontab expression read in an
//! IANA time zone.
//!
//! Crontab semantics are the user's, not a library's: fields are minute, hour,
//! day-of-month, month, day-of-week; day-of-week `1` is Monday and both `0` and `7`
//! are Sunday; names (`MON`, `JAN`), ranges, lists and steps work as in crontab, and
//! when both day fields are restricted a day matching either one fires (Vixie cron).
//! The expression is evaluated by `croner`, which follows these rules (unlike the
//! `cron` crate, whose `1` is Sunday and which wants a seconds field); a seconds
//! field is refused, so `0 8 * * 1` can never be misread as seconds-first.
//!
//! Daylight saving: a wall-clock time that is skipped (spring forward) fires at the
//! first real instant after the gap; one that happens twice (fall back) fires once,
//! at the earlier instant.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::contract::ValueError;

/// The fields of a crontab line, in order, with the values each takes.
const FIELDS: [(&str, &str); 5] = [
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day-of-month", "1-31"),
    ("month", "1-12 or JAN-DEC"),
    (
        "day-of-week",
        "0-7 (0 and 7 are Sunday, 1 is Monday) or SUN-SAT",
    ),
];

/// Longest cron expression: five fields with lists and ranges fit in far less.
pub const MAX_CRON_CHARS: usize = 200;

/// A parsed crontab expression; displays as the text it was parsed from.
#[derive(Clone)]
pub struct CronExpr {
    text: String,
    cron: Cron,
}

impl CronExpr {
    /// Five whitespace-separated fields (or `@hourly`, `@daily`, `@weekly`,
    /// `@monthly`, `@yearly`). An invalid field is named in the error; an expression
    /// that matches no date (`0 0 30 2 *`) is refused too.
    pub fn parse(text: &str) -> Result<CronExpr, ValueError> {
        let length = text.chars().count();
        if length > MAX_CRON_CHARS {
            // Not echoed: it is stored and listed with every schedule if accepted.
            return Err(ValueError::new(
                format!("must be at most {MAX_CRON_CHARS} characters"),
                format!("{length} characters"),
            ));
        }
        let trimmed = text.trim();
        let invalid = |rule: String| ValueError::text(rule, text);
        if trimmed.starts_with('@') {
            let cron = parser().parse(trimmed).map_err(|_| {
                invalid(
                    "is not a known nickname (@hourly, @daily, @weekly, @monthly, @yearly, @annually)"
                        .to_string(),
                )
            })?;
            return CronExpr::checked(trimmed, cron, text);
        }
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        if fields.len() != FIELDS.len() {
            return Err(invalid(format!(
                "must have 5 fields (minute hour day-of-month month day-of-week), found {}{}",
                fields.len(),
                if fields.len() == 6 {
                    "; a seconds field is not supported"
                } else {
                    ""
                }
            )));
        }
        // croner's own messages do not say which field is wrong: try each field alone
        // (the others `*`) and name the first that fails.
        for (index, (field, values)) in FIELDS.iter().enumerate() {
            let mut probe = ["*"; 5];
            probe[index] = fields[index];
            if let Err(error) = parser().parse(&probe.join(" ")) {
                return Err(invalid(format!(
                    "{field} field {:?} is not valid ({error}); it takes {values}, \
                     with ranges (1-5), lists (1,3) and steps (*/15)",
                    fields[index]
                )));
            }
        }
        let cron = parser()
            .parse(trimmed)
            .map_err(|error| invalid(format!("is not a valid crontab expression ({error})")))?;
        CronExpr::checked(&fields.join(" "), cron, text)
    }

    fn checked(normalized: &str, cron: Cron, text: &str) -> Result<CronExpr, ValueError> {
        let reference = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
        let fires = reference.is_some_and(|start| cron.find_next_occurrence(&start, false).is_ok());
        if !fires {
            return Err(ValueError::text("never fires (no date matches it)", text));
        }
        Ok(CronExpr {
            text: normalized.to_string(),
            cron,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
}

impl PartialEq for CronExpr {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for CronExpr {}

impl fmt::Debug for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CronExpr({:?})", self.text)
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// An IANA time zone (`UTC`, `Europe/Berlin`, `Asia/Bangkok`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneName(Tz);

impl ZoneName {
    pub fn parse(text: &str) -> Result<ZoneName, ValueError> {
        Tz::from_str(text).map(ZoneName).map_err(|_| {
            ValueError::text(
                "must be an IANA time zone name such as UTC, Europe/Berlin or Asia/Bangkok",
                text,
            )
        })
    }

    pub fn utc() -> ZoneName {
        ZoneName(Tz::UTC)
    }

    pub fn as_str(&self) -> &str {
        self.0.name()
    }
}

impl Default for ZoneName {
    fn default() -> Self {
        ZoneName::utc()
    }
}

impl fmt::Display for ZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A crontab expression in a time zone: the fire times of a schedule, as instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    cron: CronExpr,
    zone: ZoneName,
}

impl Calendar {
    pub fn new(cron: CronExpr, zone: ZoneName) -> Calendar {
        Calendar { cron, zone }
    }

    pub fn cron(&self) -> &CronExpr {
        &self.cron
    }

    pub fn zone(&self) -> ZoneName {
        self.zone
    }

    /// The first fire time strictly after `time`.
    pub fn next_after(&self, time: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = time.with_timezone(&self.zone.0);
        self.cron
            .cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|next| next.with_timezone(&Utc))
    }

    /// The latest fire time at or before `time`.
    pub fn latest_at_or_before(&self, time: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = time.with_timezone(&self.zone.0);
        self.cron
            .cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|previous| previous.with_timezone(&Utc))
    }

    /// The next `count` fire times strictly after `time`.
    pub fn upcoming(&self, time: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(time), |&t| self.next_after(t))
            .take(count)
            .collect()
    }

    /// The fire times strictly between `after` and `before`, oldest first, at most
    /// `cap` of them (a minutely schedule down for a month has 43,200).
    pub fn between(
        &self,
        after: DateTime<Utc>,
        before: DateTime<Utc>,
        cap: usize,
    ) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(after), |&t| self.next_after(t))
            .take_while(|&t| t < before)
            .take(cap)
            .collect()
    }
}

#[cfg(test)]
mod tests;
