//! Datasets and their versions. Every version keeps its own copy of the records, so
//! `filter[version]` reads exactly what that version held.
//!
//! Versioning follows Datadog: a new dataset is version 0 and empty; a change that
//! adds or deletes records, or edits a record's input, expected output or tags,
//! makes the next version when the request asks for a new version
//! (`create_new_version`, default true) and otherwise edits the current one in place;
//! a metadata-only edit never makes a version.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::clock;
use crate::error::ApiError;
use crate::ids;
use crate::jsonapi::{Object, resource};

use super::Store;

#[derive(Debug, Clone)]
pub struct Dataset {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub metadata: Option<Object>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// `versions[n]` is version `n`.
    pub versions: Vec<Version>,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub number: i64,
    pub records: Vec<Record>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Supplied by the client on insert (ddtrace sends a uuid4 hex), else generated.
    pub id: String,
    /// Stable across versions.
    pub canonical_id: String,
    pub input: Value,
    pub expected_output: Value,
    pub metadata: Object,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A record to add.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub id: Option<String>,
    pub input: Value,
    pub expected_output: Value,
    pub metadata: Object,
    pub tags: Vec<String>,
}

/// Changes to one record; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RecordUpdate {
    pub id: String,
    pub input: Option<Value>,
    /// `""` clears it.
    pub expected_output: Option<Value>,
    /// `{}` clears it.
    pub metadata: Option<Object>,
    pub tags: Option<TagOperations>,
}

#[derive(Debug, Clone, Default)]
pub struct TagOperations {
    pub set: Option<Vec<String>>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// One request's worth of record changes.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub inserts: Vec<NewRecord>,
    pub updates: Vec<RecordUpdate>,
    pub deletes: Vec<String>,
    /// Skip inserts whose input and expected output equal an existing record's.
    pub deduplicate: bool,
    pub create_new_version: bool,
}

/// What a change did.
#[derive(Debug, Clone)]
pub struct Applied {
    pub version: i64,
    pub inserted: Vec<Record>,
    pub updated: Vec<Record>,
}

impl Dataset {
    pub fn current(&self) -> &Version {
        // A dataset is created with version 0, and versions are only ever added.
        &self.versions[self.versions.len() - 1]
    }

    pub fn current_version(&self) -> i64 {
        self.current().number
    }

    /// The records of `version` (the current one when `None`).
    pub fn records_at(&self, version: Option<i64>) -> Result<&[Record], ApiError> {
        match version {
            None => Ok(&self.current().records),
            Some(n) => usize::try_from(n)
                .ok()
                .and_then(|n| self.versions.get(n))
                .map(|v| v.records.as_slice())
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "filter[version]: version {n} does not exist for dataset {} (current version is {})",
                        self.id,
                        self.current_version()
                    ))
                }),
        }
    }

    pub fn to_resource(&self) -> Value {
        resource(
            "datasets",
            &self.id,
            json!({
                "name": self.name,
                "description": self.description,
                "metadata": self.metadata,
                "project_id": self.project_id,
                "current_version": self.current_version(),
                "created_at": clock::rfc3339(&self.created_at),
                "updated_at": clock::rfc3339(&self.updated_at),
                "deleted_at": self.deleted_at.as_ref().map(clock::rfc3339),
            }),
        )
    }

    /// Applies `change` as one step, all or nothing.
    pub fn apply(&mut self, change: Change) -> Result<Applied, ApiError> {
        let now = clock::now();
        let mut records = self.current().records.clone();
        let mut makes_version = !change.deletes.is_empty();
        for id in &change.deletes {
            let Some(position) = records.iter().position(|r| &r.id == id) else {
                return Err(ApiError::bad_request(format!(
                    "delete_records: record {id} is not in dataset {}",
                    self.id
                )));
            };
            records.remove(position);
        }
        let mut updated = Vec::new();
        for (index, update) in change.updates.into_iter().enumerate() {
            let Some(record) = records.iter_mut().find(|r| r.id == update.id) else {
                return Err(ApiError::bad_request(format!(
                    "update_records[{index}].id: record {} is not in dataset {}",
                    update.id, self.id
                )));
            };
            makes_version |=
                update.input.is_some() || update.expected_output.is_some() || update.tags.is_some();
            apply_update(record, update, now);
            updated.push(record.clone());
        }
        let mut inserted = Vec::new();
        for (index, new) in change.inserts.into_iter().enumerate() {
            let duplicate = records
                .iter()
                .any(|r| r.input == new.input && r.expected_output == new.expected_output);
            if change.deduplicate && duplicate {
                continue;
            }
            let id = new.id.unwrap_or_else(|| ids::uuid().replace('-', ""));
            if records.iter().any(|r| r.id == id) {
                return Err(ApiError::bad_request(format!(
                    "insert_records[{index}].id: record {id} already exists in dataset {}",
                    self.id
                )));
            }
            let record = Record {
                id,
                canonical_id: ids::uuid(),
                input: new.input,
                expected_output: new.expected_output,
                metadata: new.metadata,
                tags: new.tags,
                created_at: now,
                updated_at: now,
            };
            records.push(record.clone());
            inserted.push(record);
        }
        makes_version |= !inserted.is_empty();
        if makes_version && change.create_new_version {
            self.versions.push(Version {
                number: self.current_version() + 1,
                records,
                created_at: now,
            });
        } else {
            let last = self.versions.len() - 1;
            self.versions[last].records = records;
        }
        self.updated_at = now;
        Ok(Applied {
            version: self.current_version(),
            inserted,
            updated,
        })
    }
}

fn apply_update(record: &mut Record, update: RecordUpdate, now: DateTime<Utc>) {
    if let Some(input) = update.input {
        record.input = input;
    }
    match update.expected_output {
        Some(Value::String(text)) if text.is_empty() => record.expected_output = Value::Null,
        Some(expected) => record.expected_output = expected,
        None => {}
    }
    if let Some(metadata) = update.metadata {
        record.metadata = metadata;
    }
    if let Some(operations) = update.tags {
        if let Some(set) = operations.set {
            record.tags = set;
        }
        for tag in operations.add {
            if !record.tags.contains(&tag) {
                record.tags.push(tag);
            }
        }
        record.tags.retain(|t| !operations.remove.contains(t));
    }
    record.updated_at = now;
}

impl Record {
    /// The record as the records list and batch update return it (JSON:API, type
    /// `records`); `version` is added by batch update only.
    pub fn to_resource(&self, dataset_id: &str, version: Option<i64>) -> Value {
        let mut attributes = json!({
            "id": self.id,
            "canonical_id": self.canonical_id,
            "dataset_id": dataset_id,
            "input": self.input,
            "expected_output": self.expected_output,
            "metadata": self.metadata,
            "tags": self.tags,
            "created_at": clock::rfc3339(&self.created_at),
            "updated_at": clock::rfc3339(&self.updated_at),
        });
        if let Some(version) = version {
            attributes["version"] = json!(version);
        }
        resource("records", &self.id, attributes)
    }

    /// The flat form of the public append/update endpoints' answers.
    pub fn to_flat(&self, dataset_id: &str) -> Value {
        json!({
            "id": self.id,
            "dataset_id": dataset_id,
            "input": self.input,
            "expected_output": self.expected_output,
            "metadata": self.metadata,
            "created_at": clock::rfc3339(&self.created_at),
            "updated_at": clock::rfc3339(&self.updated_at),
        })
    }
}

impl Store {
    /// The dataset named `name` in the project, created (at version 0) if none is,
    /// and whether it was created.
    pub fn dataset_create_or_get(
        &mut self,
        project_id: &str,
        name: &str,
        description: Option<String>,
        metadata: Option<Object>,
    ) -> Result<(&Dataset, bool), ApiError> {
        self.project(project_id)?;
        if name.trim().is_empty() {
            return Err(ApiError::bad_request(
                "data.attributes.name: must not be empty",
            ));
        }
        let existing = self
            .datasets
            .iter()
            .position(|d| d.project_id == project_id && d.name == name && d.deleted_at.is_none());
        let position = match existing {
            Some(position) => position,
            None => {
                let now = clock::now();
                self.datasets.push(Dataset {
                    id: ids::uuid(),
                    project_id: project_id.to_string(),
                    name: name.to_string(),
                    description: description.unwrap_or_default(),
                    metadata,
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                    versions: vec![Version {
                        number: 0,
                        records: Vec::new(),
                        created_at: now,
                    }],
                });
                self.datasets.len() - 1
            }
        };
        Ok((&self.datasets[position], existing.is_none()))
    }

    /// A live dataset; with `project_id`, it must belong to that project.
    pub fn dataset_mut(
        &mut self,
        project_id: Option<&str>,
        dataset_id: &str,
    ) -> Result<&mut Dataset, ApiError> {
        if let Some(project_id) = project_id {
            self.project(project_id)?;
        }
        self.datasets
            .iter_mut()
            .find(|d| {
                d.id == dataset_id
                    && d.deleted_at.is_none()
                    && project_id.is_none_or(|p| d.project_id == p)
            })
            .ok_or_else(|| ApiError::not_found(format!("dataset {dataset_id} not found")))
    }

    pub fn dataset(
        &self,
        project_id: Option<&str>,
        dataset_id: &str,
    ) -> Result<&Dataset, ApiError> {
        if let Some(project_id) = project_id {
            self.project(project_id)?;
        }
        self.datasets
            .iter()
            .find(|d| {
                d.id == dataset_id
                    && d.deleted_at.is_none()
                    && project_id.is_none_or(|p| d.project_id == p)
            })
            .ok_or_else(|| ApiError::not_found(format!("dataset {dataset_id} not found")))
    }

    /// Marks datasets deleted; every id must name a live dataset.
    pub fn datasets_delete(
        &mut self,
        project_id: Option<&str>,
        ids: &[String],
    ) -> Result<Vec<Value>, ApiError> {
        for id in ids {
            self.dataset(project_id, id)?;
        }
        let now = clock::now();
        let mut deleted = Vec::new();
        for dataset in self.datasets.iter_mut().filter(|d| ids.contains(&d.id)) {
            dataset.deleted_at = Some(now);
            dataset.updated_at = now;
            deleted.push(dataset.to_resource());
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(input: &str, id: Option<&str>) -> NewRecord {
        NewRecord {
            id: id.map(str::to_string),
            input: json!({ "q": input }),
            expected_output: json!("a"),
            metadata: Object::new(),
            tags: vec!["k:v".to_string()],
        }
    }

    fn dataset() -> (Store, String) {
        let mut store = Store::default();
        let project = store.project_create_or_get("p", None).unwrap().0.id.clone();
        let id = store
            .dataset_create_or_get(&project, "d", None, None)
            .unwrap()
            .0
            .id
            .clone();
        (store, id)
    }

    #[test]
    fn versions_follow_the_changes() {
        let (mut store, id) = dataset();
        let dataset = store.dataset_mut(None, &id).unwrap();
        assert_eq!(dataset.current_version(), 0);
        let applied = dataset
            .apply(Change {
                inserts: vec![record("1", Some("r1")), record("2", None)],
                create_new_version: true,
                ..Change::default()
            })
            .unwrap();
        assert_eq!(applied.version, 1);
        assert_eq!(applied.inserted[0].id, "r1");
        // A second batch of the same upload edits version 1 in place.
        let applied = dataset
            .apply(Change {
                inserts: vec![record("3", None)],
                create_new_version: false,
                ..Change::default()
            })
            .unwrap();
        assert_eq!(applied.version, 1);
        // Metadata only: no new version even when asked.
        let mut metadata = Object::new();
        metadata.insert("m".into(), json!(1));
        let applied = dataset
            .apply(Change {
                updates: vec![RecordUpdate {
                    id: "r1".into(),
                    metadata: Some(metadata),
                    ..RecordUpdate::default()
                }],
                create_new_version: true,
                ..Change::default()
            })
            .unwrap();
        assert_eq!(applied.version, 1);
        // A tag change makes version 2; version 1 keeps its tags.
        let applied = dataset
            .apply(Change {
                updates: vec![RecordUpdate {
                    id: "r1".into(),
                    tags: Some(TagOperations {
                        add: vec!["x:y".into()],
                        remove: vec!["k:v".into()],
                        set: None,
                    }),
                    ..RecordUpdate::default()
                }],
                create_new_version: true,
                ..Change::default()
            })
            .unwrap();
        assert_eq!(applied.version, 2);
        assert_eq!(dataset.records_at(Some(2)).unwrap()[0].tags, ["x:y"]);
        assert_eq!(dataset.records_at(Some(1)).unwrap()[0].tags, ["k:v"]);
        assert_eq!(dataset.records_at(Some(1)).unwrap().len(), 3);
        assert!(dataset.records_at(Some(3)).is_err());
    }

    #[test]
    fn duplicates_are_skipped_or_refused() {
        let (mut store, id) = dataset();
        let dataset = store.dataset_mut(None, &id).unwrap();
        let first = Change {
            inserts: vec![record("1", Some("r1"))],
            create_new_version: true,
            deduplicate: true,
            ..Change::default()
        };
        dataset.apply(first.clone()).unwrap();
        let again = dataset.apply(first.clone()).unwrap();
        assert!(again.inserted.is_empty(), "same content, deduplicated");
        assert_eq!(again.version, 1, "nothing changed");
        let refused = dataset.apply(Change {
            deduplicate: false,
            ..first
        });
        assert!(refused.is_err(), "same id without deduplication");
        let missing = dataset.apply(Change {
            deletes: vec!["nope".into()],
            ..Change::default()
        });
        assert!(missing.is_err());
        assert_eq!(dataset.current().records.len(), 1, "all or nothing");
    }
}
