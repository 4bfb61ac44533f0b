//! The core of tally, shared by every binary: no HTTP routing, no process lifecycle.
//!
//! - `extraction`: the reports a model returns, their tolerant parsing and the Gemini
//!   response schema derived from the same types.
//! - `thai_words`: Thai number words, spelled and read.
//! - `dataset`: the on-disk dataset format.
//! - `gemini`: the Gemini client (request, auth, retries, answer, cost) behind the
//!   `Model` trait.

pub mod dataset;
pub mod extraction;
pub mod gemini;
pub mod thai_words;
