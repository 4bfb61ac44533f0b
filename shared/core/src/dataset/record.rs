//! One line of a dataset's `records.jsonl`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::extraction::Report;

/// A polling unit's scanned pages and the reports they should yield.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRecord {
    pub id: String,
    pub input: RecordInput,
    pub expected_output: Vec<Report>,
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

/// What the model is shown: the pages of one form set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    pub form_set_name: String,
    /// Relative to the dataset folder, or a `gs://` / `https://` URI.
    pub image_paths: Vec<String>,
    pub num_pages: u32,
}
