//! tally's dataset records as Datadog dataset records and back, and the push of a
//! whole tally version into a Datadog dataset.
//!
//! A record goes to Datadog as `input` (the record's input object),
//! `expected_output: {"reports": […]}` and `metadata`, under an id derived from the
//! content hash and the record id, so a repeated push names the same records. On the
//! way back `expected_output` may be that object or the bare list of reports, and the
//! record's id is Datadog's (the id its experiment spans name).

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tally_core::dataset::DatasetRecord;

use crate::client::{DatadogClient, Dataset, NewRecord, PulledRecord};
use crate::error::DatadogError;

/// Records per `batch_update` request (ddtrace's batch).
const RECORDS_BATCH: usize = 1000;

/// One tally record as Datadog stores it.
pub fn to_datadog(content_hash: &str, record: &DatasetRecord) -> NewRecord {
    NewRecord {
        id: record_uuid(content_hash, &record.id),
        input: json!(record.input),
        expected_output: json!({"reports": record.expected_output}),
        metadata: Value::Object(record.metadata.clone()),
    }
}

/// One Datadog record as a line of `records.jsonl`, for the dataset loader to
/// validate like any other line.
pub fn to_tally_line(record: &PulledRecord) -> String {
    let expected_output = match &record.expected_output {
        Value::Object(object) if object.len() == 1 && object.contains_key("reports") => {
            object["reports"].clone()
        }
        other => other.clone(),
    };
    let metadata = match &record.metadata {
        Value::Null => Value::Object(Map::new()),
        other => other.clone(),
    };
    json!({
        "id": record.id,
        "input": record.input,
        "expected_output": expected_output,
        "metadata": metadata,
    })
    .to_string()
}

/// Pushes `records` into the dataset `name` of a project (created when missing) as
/// one new version; returns the dataset and that version.
pub async fn push_dataset(
    client: &DatadogClient,
    project_id: &str,
    name: &str,
    description: &str,
    content_hash: &str,
    records: &[DatasetRecord],
) -> Result<Dataset, DatadogError> {
    let dataset = client.dataset(project_id, name, description).await?;
    let mut version = dataset.current_version;
    for (i, batch) in records.chunks(RECORDS_BATCH).enumerate() {
        let batch: Vec<NewRecord> = batch.iter().map(|r| to_datadog(content_hash, r)).collect();
        version = client
            .insert_records(project_id, &dataset.id, &batch, i == 0)
            .await?;
    }
    Ok(Dataset {
        id: dataset.id,
        current_version: version,
    })
}

/// A uuid4-shaped hex id (as ddtrace's record ids) derived from the content and
/// the record, so the same record is named the same in every push.
fn record_uuid(content_hash: &str, record_id: &str) -> String {
    hex::encode(&Sha256::digest(format!("{content_hash}\n{record_id}"))[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> DatasetRecord {
        serde_json::from_value(json!({
            "id": "r1",
            "input": {"form_set_name": "unit 1", "image_paths": ["p1.png"], "num_pages": 1},
            "expected_output": [],
            "metadata": {"province": "x"}
        }))
        .unwrap()
    }

    #[test]
    fn a_pushed_record_reads_back_as_the_same_line_under_datadogs_id() {
        let pushed = to_datadog("sha256:abc", &record());
        assert_eq!(pushed.id.len(), 32);
        assert_eq!(pushed.id, to_datadog("sha256:abc", &record()).id);
        assert_ne!(pushed.id, to_datadog("sha256:abd", &record()).id);
        let pulled = PulledRecord {
            id: pushed.id.clone(),
            input: pushed.input,
            expected_output: pushed.expected_output,
            metadata: pushed.metadata,
        };
        let line: DatasetRecord = serde_json::from_str(&to_tally_line(&pulled)).unwrap();
        assert_eq!(line.id, pushed.id);
        assert_eq!(line.input, record().input);
        assert_eq!(line.metadata, record().metadata);
    }

    #[test]
    fn a_bare_list_of_reports_and_null_metadata_are_taken_as_they_are() {
        let pulled = PulledRecord {
            id: "d1".into(),
            input: json!({"form_set_name": "u", "image_paths": [], "num_pages": 0}),
            expected_output: json!([]),
            metadata: Value::Null,
        };
        let line: Value = serde_json::from_str(&to_tally_line(&pulled)).unwrap();
        assert_eq!(line["expected_output"], json!([]));
        assert_eq!(line["metadata"], json!({}));
    }
}
