//! Everything the emulator was sent, in memory, behind one lock: projects, datasets
//! with every version's records, experiments, and the spans and metrics of the
//! intakes. Tests read it back through the same API, or raw through `/_emulator/*`.
//!
//! - `projects`: create-or-get by name.
//! - `datasets`: datasets, versions, and the record changes that make versions.
//! - `experiments`: runs, their status and the filters of the list endpoint.
//! - `events`: received spans, experiment metrics and intake evaluation metrics.

pub mod datasets;
pub mod events;
pub mod experiments;
pub mod projects;

use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};

pub use datasets::Dataset;
pub use events::Events;
pub use experiments::Experiment;
pub use projects::Project;

#[derive(Default)]
pub struct Store {
    pub projects: Vec<Project>,
    pub datasets: Vec<Dataset>,
    pub experiments: Vec<Experiment>,
    pub events: Events,
}

impl Store {
    /// How much is stored, for `/_emulator/stats`.
    pub fn counts(&self) -> Value {
        json!({
            "projects": self.projects.len(),
            "datasets": self.datasets.len(),
            "records": self.datasets.iter().map(|d| d.current().records.len()).sum::<usize>(),
            "experiments": self.experiments.len(),
            "spans": self.events.spans.len(),
            "experiment_metrics": self.events.experiment_metrics.len(),
            "eval_metrics": self.events.eval_metrics.len(),
        })
    }
}

/// The store's lock; a poisoned lock only means a handler panicked mid-change, and
/// the emulator keeps serving what is there.
pub struct SharedStore(Mutex<Store>);

impl SharedStore {
    pub fn new() -> Self {
        SharedStore(Mutex::new(Store::default()))
    }

    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for SharedStore {
    fn default() -> Self {
        SharedStore::new()
    }
}
