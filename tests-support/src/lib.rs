//! Fixtures for the workspace's integration tests, so the worker, CLI and deployment
//! tests share one way of standing up tally on loopback: `pipeline::Harness` (a Redis
//! namespace of its own, gemini-emulator, workers and tally-api in the test process).
//!
//! Only tests depend on this crate; it is never published.

pub mod pipeline;
