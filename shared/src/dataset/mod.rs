//! Datasets: records with page images and the reports they should produce.
//!
//! - `record`: one record of `records.jsonl`.

mod record;

pub use record::{DatasetRecord, RecordInput};
