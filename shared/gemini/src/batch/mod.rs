//! Gemini's batch mode (Developer API): records submitted as batches of inline
//! requests (or, past the inline limit, a JSONL file through the Files API), at
//! half the price, answered within 24 hours.
//!
//! - `operation`: a batch as the service shows it (state in either enum, counts,
//!   answers by key);
//! - `client`: `BatchClient` — request lines built as online calls build them,
//!   a `PartSizer` deciding where parts end, create (inline or from an uploaded file) / get (answers from
//!   the responses file too) / find by display name / cancel, and
//!   an answer read as an online answer is, priced at batch rates.

mod client;
mod operation;

pub use client::{BatchClient, BatchError, PART_LIMIT, PartSizer, RequestLine};
pub use operation::{BatchJob, BatchState, KeyedAnswer};
