//! What every tally process shares, whatever its job. Nothing here talks to Redis,
//! so the emulators may use it too.
//!
//! - `settings`: the environment a daemon reads its settings from.
//! - `telemetry`: logging setup (`TALLY_LOG_FORMAT`, `RUST_LOG`).
//! - `metrics`: the Prometheus exposition and its `/metrics` server.
//! - `shutdown`: the stop signal every daemon waits for.

pub mod metrics;
pub mod settings;
pub mod shutdown;
pub mod telemetry;
