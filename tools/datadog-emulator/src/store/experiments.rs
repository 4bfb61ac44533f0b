//! Experiments (runs): created against a project and a dataset version, then moved
//! through `running` to `completed`, `failed` or `interrupted`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock;
use crate::error::ApiError;
use crate::ids;
use crate::jsonapi::{Object, resource};

use super::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Running,
    Completed,
    Failed,
    Interrupted,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Experiment {
    pub id: String,
    /// The run's name (`<experiment>-<epoch ms>` when `ensure_unique`).
    pub name: String,
    /// The logical experiment name shared by its runs.
    pub experiment: String,
    pub project_id: String,
    pub dataset_id: String,
    pub dataset_version: i64,
    pub description: String,
    pub config: Object,
    pub metadata: Object,
    pub run_count: i64,
    pub parent_experiment_id: Option<String>,
    pub status: Option<Status>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What creating an experiment takes.
#[derive(Debug, Clone)]
pub struct NewExperiment {
    pub name: String,
    pub project_id: String,
    pub dataset_id: String,
    pub dataset_version: Option<i64>,
    pub description: Option<String>,
    pub config: Option<Object>,
    pub metadata: Option<Object>,
    pub ensure_unique: bool,
    pub run_count: Option<i64>,
    pub parent_experiment_id: Option<String>,
}

/// The fields an update may change.
#[derive(Debug, Clone, Default)]
pub struct ExperimentUpdate {
    pub status: Option<Status>,
    pub error: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub metadata: Option<Object>,
    pub dataset_id: Option<String>,
}

/// The list endpoint's filters; every one given must hold.
#[derive(Debug, Clone, Default)]
pub struct ExperimentFilter {
    pub ids: Vec<String>,
    pub project_id: Option<String>,
    pub dataset_id: Option<String>,
    pub experiment: Option<String>,
    pub name: Option<String>,
    pub metadata: Option<Value>,
    pub parent_experiment_ids: Vec<String>,
}

impl Experiment {
    pub fn to_resource(&self, dataset_name: Option<&str>) -> Value {
        resource(
            "experiments",
            &self.id,
            json!({
                "name": self.name,
                "experiment": self.experiment,
                "project_id": self.project_id,
                "dataset_id": self.dataset_id,
                "dataset_name": dataset_name,
                "dataset_version": self.dataset_version,
                "description": self.description,
                "config": self.config,
                "metadata": self.metadata,
                "run_count": self.run_count,
                "parent_experiment_id": self.parent_experiment_id,
                "status": self.status.map(Status::as_str),
                "error": self.error,
                "aggregate_data": null,
                "created_at": clock::rfc3339(&self.created_at),
                "updated_at": clock::rfc3339(&self.updated_at),
                "deleted_at": null,
            }),
        )
    }

    fn matches(&self, filter: &ExperimentFilter) -> bool {
        (filter.ids.is_empty() || filter.ids.contains(&self.id))
            && filter
                .project_id
                .as_ref()
                .is_none_or(|p| *p == self.project_id)
            && filter
                .dataset_id
                .as_ref()
                .is_none_or(|d| *d == self.dataset_id)
            && filter
                .experiment
                .as_ref()
                .is_none_or(|e| *e == self.experiment)
            && filter.name.as_ref().is_none_or(|n| *n == self.name)
            && filter
                .metadata
                .as_ref()
                .is_none_or(|m| contains(&Value::Object(self.metadata.clone()), m))
            && (filter.parent_experiment_ids.is_empty()
                || self
                    .parent_experiment_id
                    .as_ref()
                    .is_some_and(|p| filter.parent_experiment_ids.contains(p)))
    }
}

/// JSON containment: every member of `wanted` is in `value` (array elements in any
/// order), as Datadog's `filter[metadata]` matches.
fn contains(value: &Value, wanted: &Value) -> bool {
    match (value, wanted) {
        (Value::Object(value), Value::Object(wanted)) => wanted
            .iter()
            .all(|(k, w)| value.get(k).is_some_and(|v| contains(v, w))),
        (Value::Array(value), Value::Array(wanted)) => {
            wanted.iter().all(|w| value.iter().any(|v| contains(v, w)))
        }
        (value, wanted) => value == wanted,
    }
}

impl Store {
    pub fn experiment_create(&mut self, new: NewExperiment) -> Result<&Experiment, ApiError> {
        if new.name.trim().is_empty() {
            return Err(ApiError::bad_request(
                "data.attributes.name: must not be empty",
            ));
        }
        let dataset = self.dataset(Some(&new.project_id), &new.dataset_id)?;
        let current = dataset.current_version();
        let dataset_version = new.dataset_version.unwrap_or(current);
        if !(0..=current).contains(&dataset_version) {
            return Err(ApiError::bad_request(format!(
                "data.attributes.dataset_version: version {dataset_version} does not exist for dataset {} (current version is {current})",
                new.dataset_id
            )));
        }
        if let Some(parent) = &new.parent_experiment_id {
            self.experiment(parent)?;
        }
        let now = clock::now();
        let name = if new.ensure_unique {
            self.unique_run_name(&new.name, now.timestamp_millis())
        } else {
            new.name.clone()
        };
        self.experiments.push(Experiment {
            id: ids::uuid(),
            name,
            experiment: new.name,
            project_id: new.project_id,
            dataset_id: new.dataset_id,
            dataset_version,
            description: new.description.unwrap_or_default(),
            config: new.config.unwrap_or_default(),
            metadata: new.metadata.unwrap_or_default(),
            run_count: new.run_count.unwrap_or(1),
            parent_experiment_id: new.parent_experiment_id,
            status: None,
            error: None,
            created_at: now,
            updated_at: now,
        });
        Ok(&self.experiments[self.experiments.len() - 1])
    }

    /// `<name>-<epoch ms>`, moved on by a millisecond while taken.
    fn unique_run_name(&self, name: &str, mut epoch_ms: i64) -> String {
        loop {
            let candidate = format!("{name}-{epoch_ms}");
            if !self.experiments.iter().any(|e| e.name == candidate) {
                return candidate;
            }
            epoch_ms += 1;
        }
    }

    pub fn experiment(&self, id: &str) -> Result<&Experiment, ApiError> {
        self.experiments
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| ApiError::not_found(format!("experiment {id} not found")))
    }

    pub fn experiment_update(
        &mut self,
        id: &str,
        update: ExperimentUpdate,
    ) -> Result<&Experiment, ApiError> {
        if let Some(dataset_id) = &update.dataset_id {
            self.dataset(None, dataset_id)?;
        }
        let experiment = self
            .experiments
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| ApiError::not_found(format!("experiment {id} not found")))?;
        if let Some(status) = update.status {
            experiment.status = Some(status);
        }
        if let Some(error) = update.error {
            experiment.error = Some(error);
        }
        if let Some(name) = update.name {
            experiment.name = name;
        }
        if let Some(description) = update.description {
            experiment.description = description;
        }
        if let Some(metadata) = update.metadata {
            experiment.metadata = metadata;
        }
        if let Some(dataset_id) = update.dataset_id {
            experiment.dataset_id = dataset_id;
        }
        experiment.updated_at = clock::now();
        Ok(experiment)
    }

    /// Matching experiments, newest first.
    pub fn experiments_matching(&self, filter: &ExperimentFilter) -> Vec<&Experiment> {
        let mut found: Vec<&Experiment> = self
            .experiments
            .iter()
            .filter(|e| e.matches(filter))
            .collect();
        found.reverse();
        found
    }

    pub fn dataset_name(&self, dataset_id: &str) -> Option<&str> {
        self.datasets
            .iter()
            .find(|d| d.id == dataset_id)
            .map(|d| d.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_filters_match_by_containment() {
        let value = json!({"tags": ["a:1", "b:2"], "x": {"y": 1, "z": 2}});
        assert!(contains(&value, &json!({"tags": ["b:2"]})));
        assert!(contains(&value, &json!({"x": {"z": 2}})));
        assert!(!contains(&value, &json!({"tags": ["c:3"]})));
        assert!(!contains(&value, &json!({"missing": 1})));
    }

    #[test]
    fn runs_get_unique_names_and_keep_their_experiment() {
        let mut store = Store::default();
        let project = store.project_create_or_get("p", None).unwrap().0.id.clone();
        let dataset = store
            .dataset_create_or_get(&project, "d", None, None)
            .unwrap()
            .0
            .id
            .clone();
        let new = NewExperiment {
            name: "exp".into(),
            project_id: project,
            dataset_id: dataset,
            dataset_version: Some(0),
            description: None,
            config: None,
            metadata: None,
            ensure_unique: true,
            run_count: None,
            parent_experiment_id: None,
        };
        let first = store.experiment_create(new.clone()).unwrap().name.clone();
        let second = store.experiment_create(new.clone()).unwrap().name.clone();
        assert_ne!(first, second);
        assert!(first.starts_with("exp-"), "{first}");
        let filter = ExperimentFilter {
            experiment: Some("exp".into()),
            ..ExperimentFilter::default()
        };
        let found = store.experiments_matching(&filter);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].name, second, "newest first");
        let bad_version = store.experiment_create(NewExperiment {
            dataset_version: Some(4),
            ..new
        });
        assert!(bad_version.is_err());
    }
}
