//! Gemini's batch mode (Developer API): records submitted as batches of inline
//! requests, at half the price, answered within 24 hours.
//!
//! - `operation`: a batch as the service shows it (state in either enum, counts,
//!   answers by key);
//! - `client`: `BatchClient` — request lines built as online calls build them,
//!   split under the inline limit, create / get / find by display name / cancel, and
//!   an answer read as an online answer is, priced at batch rates.

mod client;
mod operation;

pub use client::{BatchClient, BatchError, RequestLine, split_under};
pub use operation::{BatchJob, BatchState, KeyedAnswer};
