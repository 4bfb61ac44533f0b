//! tally's pure domain, shared by every binary: no I/O runtime, no HTTP, no Redis.
//!
//! - `contract`: the experiment request/response contract of the HTTP API, validated
//!   at the boundary into domain values.
//! - `extraction`: the reports a model returns, their tolerant parsing and the Gemini
//!   response schema derived from the same types.
//! - `thai_words`: Thai number words, spelled and read.
//! - `run`: runs, experiments and record results as stored; summaries; public URLs.
//! - `presets`: the named model-configuration sets every client offers.
//! - `schedule`: schedules (crontab calendar, run request, alert settings), the
//!   schedules file, slots and the regression check of scheduled runs.
//! - `evaluators`: scoring an answer against the expected reports and against the
//!   forms' own consistency rules; summaries over an experiment; field diffs.
//! - `dataset`: the on-disk dataset format and its validation.
//! - `layered_toml`: a TOML file merged over built-in TOML.

pub mod contract;
pub mod dataset;
pub mod evaluators;
pub mod extraction;
pub mod layered_toml;
pub mod presets;
pub mod run;
pub mod schedule;
pub mod thai_words;
