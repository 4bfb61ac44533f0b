//! tally-scheduler: turns schedules into runs, exactly once per slot, and tells
//! someone when a scheduled run regresses.
//!
//! - `scheduler`: `Scheduler`, one replica — seeding, the tick, the run loop.
//! - `slots`: a schedule's due slot → one run (claim, submit, catch-up, skips; a
//!   run refused for lack of room tried again after a growing wait).
//! - `checks`: finished scheduled runs → regression check → alert.
//! - `webhook`: `AlertSender`, background webhook delivery with retries.
//! - `clock`: `Clock`, `SystemClock`, `ManualClock` (tests).
//! - `metrics`: the Prometheus metrics.
//! - `settings`: the environment.
//!
//! Schedules, slots and the regression rule themselves live in `tally_core::schedule`
//! and `tally_store` (the API edits the same schedules).

mod checks;
pub mod clock;
pub mod metrics;
mod scheduler;
pub mod settings;
mod slots;
pub mod webhook;

pub use clock::{Clock, ManualClock, SystemClock};
pub use metrics::Metrics;
pub use scheduler::{Scheduler, SchedulerConfig};
pub use slots::REFUSAL_BACKOFF;
pub use webhook::{AlertSender, RetryPolicy};
