//! The core of tally, shared by every binary: no HTTP routing, no process lifecycle.
//!
//! - `extraction`: the reports a model returns, their tolerant parsing and the Gemini
//!   response schema derived from the same types.
//! - `thai_words`: Thai number words, spelled and read.
//! - `dataset`: the on-disk dataset format, its validation, and importing a folder
//!   as a new version.
//! - `store`: the Redis store (key layout in `store::keys`), starting with dataset
//!   versions.

pub mod dataset;
pub mod extraction;
pub mod store;
pub mod thai_words;
