//! One line of a dataset's `records.jsonl`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::extraction::Report;

/// A polling unit's scanned pages and the reports they should yield.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetRecord {
    pub id: String,
    #[schema(inline)]
    pub input: RecordInput,
    /// The reports the record should yield.
    #[schema(value_type = Vec<Object>)]
    pub expected_output: Vec<Report>,
    #[serde(default)]
    #[schema(required = true, value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub metadata: Map<String, Value>,
}

/// What the model is shown: the pages of one form set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    pub form_set_name: String,
    /// Relative to the dataset folder, or a `gs://` / `https://` URI.
    pub image_paths: Vec<String>,
    pub num_pages: u32,
}
