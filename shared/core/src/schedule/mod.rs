//! Schedules: what runs when, and who hears about a regression.
//!
//! - `name`: `ScheduleName`.
//! - `calendar`: `CronExpr` (standard crontab), `ZoneName` (IANA) and `Calendar`, the
//!   fire times of a schedule.
//! - `alerts`: `AlertSettings` — drop thresholds and the optional webhook.
//! - `definition`: `Schedule`, parsed and validated from JSON (the API's body, a
//!   table of the schedules file, the stored form) with every problem named;
//!   `ScheduleDefinition`, its JSON form.
//! - `file`: the TOML schedules file that seeds the store.
//! - `slot`: `Slot`, one fire time of one schedule, and its idempotency key.
//! - `bookkeeping`: `ScheduleOrigin`, `SkippedSlots` and `SlotRefusal`, kept by the store beside it.
//! - `regression`: comparing a finished scheduled run with the previous successful
//!   one; the `Alert` it may raise.

mod alerts;
mod bookkeeping;
mod calendar;
mod definition;
mod file;
mod name;
mod regression;
mod slot;

pub use alerts::{
    AlertSettings, DEFAULT_ACCURACY_DROP, DEFAULT_SUCCESS_RATE_DROP, DropThreshold, WebhookUrl,
};
pub use bookkeeping::{ScheduleOrigin, SkippedSlots, SlotRefusal};
pub use calendar::{Calendar, CronExpr, ZoneName};
pub use definition::{AlertsDefinition, Schedule, ScheduleDefinition};
pub use file::{SchedulesFileError, parse_schedules_file, read_schedules_file};
pub use name::ScheduleName;
pub use regression::{Alert, AlertLinks, AlertReason, Regression, check_regression};
pub use slot::Slot;
