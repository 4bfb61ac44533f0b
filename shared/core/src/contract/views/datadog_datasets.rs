//! Datasets and Datadog: where a version imported from Datadog came from, and what
//! a push of a tally dataset to Datadog made there.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The Datadog dataset version a tally version was imported from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatadogOrigin {
    pub project_name: String,
    pub project_id: String,
    pub dataset_name: String,
    pub dataset_id: String,
    /// Datadog's version number (they start at 0).
    pub version: i64,
    /// The dataset in Datadog's UI, on the server's site.
    pub url: String,
}

/// `POST /api/v1/datasets/{name}/datadog`: the Datadog dataset version that now
/// holds the tally version's records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = DatadogPush)]
pub struct DatadogPushView {
    /// The tally dataset and version pushed.
    pub name: String,
    pub version: u64,
    /// Where it is in Datadog.
    pub datadog: DatadogOrigin,
}
