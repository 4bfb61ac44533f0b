//! Dataset records: list (by version, tags, page), ddtrace's `batch_update`, and the
//! public API's append, update and delete.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::jsonapi::{self, Object, parse_document};
use crate::paging::Page;
use crate::query::Query;
use crate::state::AppState;
use crate::store::datasets::{Applied, Change, NewRecord, RecordUpdate, TagOperations};

pub async fn list(
    State(state): State<Arc<AppState>>,
    Path((project_id, dataset_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = Query::parse(
        raw.as_deref(),
        &[
            "filter[version]",
            "filter[tags]",
            "page[cursor]",
            "page[limit]",
        ],
    )?;
    let page = Page::from_query(&query, state.config.page_size)?;
    let version = query.number::<i64>("filter[version]")?;
    let tags: Vec<&str> = query.all("filter[tags]").collect();
    let store = state.store.lock();
    let dataset = store.dataset(Some(&project_id), &dataset_id)?;
    let found: Vec<Value> = dataset
        .records_at(version)?
        .iter()
        .filter(|r| tags.iter().all(|t| r.tags.iter().any(|have| have == t)))
        .map(|r| r.to_resource(&dataset.id, None))
        .collect();
    let (data, after) = page.slice(&found);
    Ok(jsonapi::page(data, after))
}

/// A record of `insert_records`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InsertRecord {
    #[serde(default)]
    id: Option<String>,
    input: Value,
    #[serde(default)]
    expected_output: Option<Value>,
    #[serde(default)]
    metadata: Option<Object>,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

impl InsertRecord {
    fn into_new(self, path: &str) -> Result<NewRecord, ApiError> {
        if self.input.is_null() {
            return Err(ApiError::bad_request(format!("{path}.input: required")));
        }
        Ok(NewRecord {
            id: self.id,
            input: self.input,
            expected_output: cleared_to_null(self.expected_output),
            metadata: self.metadata.unwrap_or_default(),
            tags: self.tags.unwrap_or_default(),
        })
    }
}

/// ddtrace sends `""` for "no expected output".
fn cleared_to_null(value: Option<Value>) -> Value {
    match value {
        Some(Value::String(text)) if text.is_empty() => Value::Null,
        Some(value) => value,
        None => Value::Null,
    }
}

/// A record of `update_records`: `null` or absent leaves a field unchanged.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRecord {
    id: String,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    expected_output: Option<Value>,
    #[serde(default)]
    metadata: Option<Object>,
    #[serde(default)]
    tag_operations: Option<TagOperationsBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagOperationsBody {
    #[serde(default)]
    add: Option<Vec<String>>,
    #[serde(default)]
    remove: Option<Vec<String>>,
    #[serde(default)]
    set: Option<Vec<String>>,
}

impl From<UpdateRecord> for RecordUpdate {
    fn from(update: UpdateRecord) -> Self {
        RecordUpdate {
            id: update.id,
            input: update.input,
            expected_output: update.expected_output,
            metadata: update.metadata,
            tags: update.tag_operations.map(|ops| TagOperations {
                set: ops.set,
                add: ops.add.unwrap_or_default(),
                remove: ops.remove.unwrap_or_default(),
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchUpdate {
    #[serde(default)]
    insert_records: Vec<InsertRecord>,
    #[serde(default)]
    update_records: Vec<UpdateRecord>,
    #[serde(default)]
    delete_records: Vec<String>,
    #[serde(default = "yes")]
    deduplicate: bool,
    #[serde(default = "yes")]
    create_new_version: bool,
}

fn yes() -> bool {
    true
}

/// ddtrace's `POST …/{project}/datasets/{dataset}/batch_update` (type `datasets`,
/// `data.id` = the dataset). Answers the inserted and updated records, each with the
/// dataset's version after the change.
pub async fn batch_update(
    State(state): State<Arc<AppState>>,
    Path((project_id, dataset_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc =
        parse_document::<BatchUpdate>(&headers, &body, state.config.api_max_bytes, &["datasets"])?;
    if doc.id.as_deref() != Some(dataset_id.as_str()) {
        return Err(ApiError::bad_request(format!(
            "data.id: must be the dataset of the URL ({dataset_id}), got {}",
            doc.id.as_deref().unwrap_or("none")
        )));
    }
    let attributes = doc.attributes;
    let inserts = attributes
        .insert_records
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.into_new(&format!("data.attributes.insert_records[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let change = Change {
        inserts,
        updates: attributes
            .update_records
            .into_iter()
            .map(Into::into)
            .collect(),
        deletes: attributes.delete_records,
        deduplicate: attributes.deduplicate,
        create_new_version: attributes.create_new_version,
    };
    let mut store = state.store.lock();
    let dataset = store.dataset_mut(Some(&project_id), &dataset_id)?;
    let Applied {
        version,
        inserted,
        updated,
    } = dataset.apply(change)?;
    let data: Vec<Value> = inserted
        .iter()
        .chain(&updated)
        .map(|r| r.to_resource(&dataset_id, Some(version)))
        .collect();
    Ok(jsonapi::ok(json!(data)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppendRecords {
    #[serde(default = "yes")]
    deduplicate: bool,
    records: Vec<InsertRecord>,
}

/// The public API's append (type `records`): a new version with the records added;
/// 201.
pub async fn append(
    State(state): State<Arc<AppState>>,
    Path((project_id, dataset_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc =
        parse_document::<AppendRecords>(&headers, &body, state.config.api_max_bytes, &["records"])?;
    let inserts = doc
        .attributes
        .records
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.into_new(&format!("data.attributes.records[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let change = Change {
        inserts,
        deduplicate: doc.attributes.deduplicate,
        create_new_version: true,
        ..Change::default()
    };
    mutation(
        &state,
        &project_id,
        &dataset_id,
        change,
        StatusCode::CREATED,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRecords {
    records: Vec<UpdateRecord>,
}

/// The public API's update (type `records`).
pub async fn update(
    State(state): State<Arc<AppState>>,
    Path((project_id, dataset_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc =
        parse_document::<UpdateRecords>(&headers, &body, state.config.api_max_bytes, &["records"])?;
    let change = Change {
        updates: doc.attributes.records.into_iter().map(Into::into).collect(),
        create_new_version: true,
        ..Change::default()
    };
    mutation(&state, &project_id, &dataset_id, change, StatusCode::OK)
}

/// `{"data": [{"records": [flat record, …]}]}`, the public API's mutation answer.
fn mutation(
    state: &AppState,
    project_id: &str,
    dataset_id: &str,
    change: Change,
    status: StatusCode,
) -> ApiResult {
    let mut store = state.store.lock();
    let dataset = store.dataset_mut(Some(project_id), dataset_id)?;
    let applied = dataset.apply(change)?;
    let records: Vec<Value> = applied
        .inserted
        .iter()
        .chain(&applied.updated)
        .map(|r| r.to_flat(dataset_id))
        .collect();
    Ok(jsonapi::with_status(
        status,
        json!([{ "records": records }]),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteRecords {
    record_ids: Vec<String>,
}

/// The public API's delete (type `records`): a new version without the records.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path((project_id, dataset_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc =
        parse_document::<DeleteRecords>(&headers, &body, state.config.api_max_bytes, &["records"])?;
    let change = Change {
        deletes: doc.attributes.record_ids,
        create_new_version: true,
        ..Change::default()
    };
    let mut store = state.store.lock();
    store
        .dataset_mut(Some(&project_id), &dataset_id)?
        .apply(change)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
