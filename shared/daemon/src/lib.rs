//! What every tally process shares, whatever its job. Nothing here talks to Redis,
//! so the emulators may use it too.
//!
//! - `egress`: which addresses user-configured webhooks may reach.
//! - `settings`: the environment a daemon reads its settings from.
//! - `telemetry`: logging setup (`TALLY_LOG_FORMAT`, `RUST_LOG`).
//! - `metrics`: the Prometheus exposition and its `/metrics` server.
//! - `serve`: serving HTTP within timeouts and a connection cap (slow clients).
//! - `server`: a server spawned on a loopback port, stopped on drop.
//! - `shutdown`: the stop signal every daemon waits for.

pub mod egress;
pub mod metrics;
pub mod serve;
pub mod server;
pub mod settings;
pub mod shutdown;
pub mod telemetry;
