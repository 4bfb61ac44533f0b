//! Datasets: the list, one dataset's versions, one record, and an import's outcome.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::DatadogOrigin;
use crate::dataset::RecordInput;
use crate::extraction::Report;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DatasetBrief {
    pub name: String,
    pub latest_version: u64,
    pub versions: usize,
    /// Records in the latest version.
    pub size: u64,
    pub content_hash: String,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/datasets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DatasetList {
    pub datasets: Vec<DatasetBrief>,
}

/// One registered version of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DatasetVersionView {
    pub name: String,
    pub version: u64,
    /// Number of records.
    pub size: u64,
    pub content_hash: String,
    pub created_at: DateTime<Utc>,
    /// The folder it was imported from, relative to the data directory.
    pub source: String,
    /// The Datadog dataset version it was imported from; `null` for a folder.
    #[serde(default)]
    pub datadog: Option<DatadogOrigin>,
}

/// `GET /api/v1/datasets/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DatasetVersions {
    pub name: String,
    /// Oldest first.
    pub versions: Vec<DatasetVersionView>,
}

/// `GET /api/v1/datasets/{name}/versions/{version}/records/{id}`: the record as its
/// `records.jsonl` line has it, with where it comes from and its page URLs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = DatasetRecord)]
pub struct RecordView {
    pub dataset_name: String,
    pub dataset_version: u64,
    pub id: String,
    #[schema(inline)]
    pub input: RecordInput,
    /// The reports the record should yield.
    #[schema(value_type = Vec<Object>)]
    pub expected_output: Vec<Report>,
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub metadata: Map<String, Value>,
    /// One URL per entry of `input.image_paths`: GET it with the key for the image bytes.
    pub page_urls: Vec<String>,
}

/// `POST /api/v1/datasets/import`: the version (201 when new, 200 when identical
/// content already was one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = ImportOutcome)]
pub struct ImportOutcomeView {
    pub name: String,
    pub version: u64,
    pub size: u64,
    pub content_hash: String,
    /// The Datadog dataset version it was imported from; `null` for a folder.
    #[serde(default)]
    pub datadog: Option<DatadogOrigin>,
}
