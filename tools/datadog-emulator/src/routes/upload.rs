//! ddtrace's bulk upload, `POST …/datasets/{dataset}/records/upload?deduplicate=…`:
//! a multipart form whose `file` is a CSV with columns `input`, `expected_output`,
//! `metadata`, `id` (cells are JSON). The records are added as a new version.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::csv;
use crate::error::{ApiError, ApiResult};
use crate::jsonapi::{self, check_size, resource};
use crate::multipart;
use crate::query::Query;
use crate::state::AppState;
use crate::store::datasets::{Change, NewRecord};

pub async fn csv(
    State(state): State<Arc<AppState>>,
    Path(dataset_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let query = Query::parse(raw.as_deref(), &["deduplicate"])?;
    let deduplicate = match query.single("deduplicate")? {
        None => true,
        Some(text) => match text.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "deduplicate: expected True or False, got \"{text}\""
                )));
            }
        },
    };
    check_size(&body, state.config.upload_max_bytes)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let file = multipart::field(content_type, &body, "file").map_err(ApiError::bad_request)?;
    let text = std::str::from_utf8(file)
        .map_err(|_| ApiError::bad_request("file: the CSV is not UTF-8"))?;
    let inserts = records(text)?;
    let mut store = state.store.lock();
    let dataset = store.dataset_mut(None, &dataset_id)?;
    let applied = dataset.apply(Change {
        inserts,
        deduplicate,
        create_new_version: true,
        ..Change::default()
    })?;
    Ok(jsonapi::ok(resource(
        "dataset_version",
        &format!("{dataset_id}:{}", applied.version),
        json!({"dataset_id": dataset_id, "version_number": applied.version,
               "records_added": applied.inserted.len()}),
    )))
}

/// The CSV's rows as records; `input` is required, the other columns optional.
fn records(text: &str) -> Result<Vec<NewRecord>, ApiError> {
    let rows = csv::parse(text).map_err(|e| ApiError::bad_request(format!("file: {e}")))?;
    let Some((header, rows)) = rows.split_first() else {
        return Err(ApiError::bad_request("file: the CSV is empty"));
    };
    let column = |name: &str| header.iter().position(|h| h == name);
    let input = column("input").ok_or_else(|| ApiError::bad_request("file: no input column"))?;
    let (expected, metadata, id) = (column("expected_output"), column("metadata"), column("id"));
    if let Some(other) = header
        .iter()
        .find(|h| !matches!(h.as_str(), "input" | "expected_output" | "metadata" | "id"))
    {
        return Err(ApiError::bad_request(format!(
            "file: unknown column \"{other}\""
        )));
    }
    rows.iter()
        .enumerate()
        .map(|(index, row)| {
            let line = index + 2;
            if row.len() != header.len() {
                return Err(ApiError::bad_request(format!(
                    "file: line {line} has {} cells, the header {}",
                    row.len(),
                    header.len()
                )));
            }
            let cell = |position: Option<usize>, name: &str| -> Result<Value, ApiError> {
                match position.map(|p| row[p].as_str()) {
                    None | Some("") => Ok(Value::Null),
                    Some(text) => serde_json::from_str(text).map_err(|e| {
                        ApiError::bad_request(format!("file: line {line}, {name}: not JSON: {e}"))
                    }),
                }
            };
            let metadata = match cell(metadata, "metadata")? {
                Value::Object(map) => map,
                Value::Null => Default::default(),
                Value::String(s) if s.is_empty() => Default::default(),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "file: line {line}, metadata: must be a JSON object"
                    )));
                }
            };
            let expected_output = match cell(expected, "expected_output")? {
                Value::String(s) if s.is_empty() => Value::Null,
                value => value,
            };
            Ok(NewRecord {
                id: id.map(|p| row[p].clone()).filter(|s| !s.is_empty()),
                input: cell(Some(input), "input")?,
                expected_output,
                metadata,
                tags: Vec::new(),
            })
        })
        .collect()
}
