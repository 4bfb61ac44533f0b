//! The core of tally, shared by every binary: no HTTP routing, no process lifecycle.
//!
//! - `contract`: the experiment request/response contract of the HTTP API, validated
//!   at the boundary into domain values.
//! - `extraction`: the reports a model returns, their tolerant parsing and the Gemini
//!   response schema derived from the same types.
//! - `thai_words`: Thai number words, spelled and read.
//! - `run`: runs, experiments and record results as stored; summaries; public URLs.
//! - `jobs`: the plan / chunk / finalize jobs and their queues.
//! - `presets`: the named model-configuration sets every client offers.
//! - `submission`: creating a run from a validated request (API and scheduler).
//! - `telemetry`: logging setup for the binaries; `shutdown`: the stop signal they
//!   wait for (when to stop; how is each daemon's own business).
//! - `schedule`: schedules (crontab calendar, run request, alert settings), the
//!   schedules file, slots and the regression check of scheduled runs.
//! - `evaluators`: scoring an answer against the expected reports and against the
//!   forms' own consistency rules; summaries over an experiment; field diffs.
//! - `dataset`: the on-disk dataset format, its validation, and importing a folder
//!   as a new version.
//! - `store`: the Redis store (key layout in `store::keys`), starting with dataset
//!   versions.
//! - `gemini`: the Gemini client (request, auth, retries, answer, cost) behind the
//!   `Model` trait.

pub mod contract;
pub mod dataset;
pub mod evaluators;
pub mod extraction;
pub mod gemini;
pub mod jobs;
pub mod presets;
pub mod run;
pub mod schedule;
pub mod shutdown;
pub mod store;
pub mod submission;
pub mod telemetry;
pub mod thai_words;
