//! Gemini's batch mode (Developer API): records submitted as batches of inline
//! requests (or, past the inline limit, a JSONL file through the Files API), at
//! half the price, answered within 24 hours.
//!
//! - `operation`: a batch as the service shows it (state in either enum, counts,
//!   answers by key);
//! - `client`: `BatchClient` — request lines built (and serialised, once) as
//!   online calls build them, a `PartSizer` deciding where parts end, create
//!   (inline or from an uploaded file; `create_body`) / get (answers from the
//!   responses file too) / find by display name / cancel, and an answer read as an
//!   online answer is, priced at batch rates;
//! - `files`: a part's input file reused or uploaded, a final batch's files
//!   deleted by name; `upload`: the resumable upload in chunks, resumed after an
//!   interruption; `jsonl`: the file's size, hash and chunks, made line by line.

mod client;
mod create_body;
mod files;
mod jsonl;
mod operation;
mod upload;

pub use client::{BatchClient, BatchError, Created, PART_LIMIT, PartSizer, RequestLine};
pub use jsonl::{Digest, digest};
pub use operation::{BatchJob, BatchState, KeyedAnswer};
pub use upload::UPLOAD_CHUNK;
