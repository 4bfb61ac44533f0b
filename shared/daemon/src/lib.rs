//! What every tally process shares, whatever its job.
//!
//! - `telemetry`: logging setup (`TALLY_LOG_FORMAT`, `RUST_LOG`).
//! - `shutdown`: the stop signal every daemon waits for.

pub mod shutdown;
pub mod telemetry;
