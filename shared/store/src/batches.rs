//! A batch-mode experiment's batches: the name of each part's batch (so a worker
//! that resumes the experiment polls it instead of creating a second one) and the
//! progress shown in the experiment's status (the `batch` field of its hash, read
//! with the rest of its view).

use std::collections::BTreeMap;

use tally_core::run::{BatchProgress, ExperimentId, RunId};

use crate::StoreError;
use crate::error::corrupt;
use crate::roles::WorkerStore;

/// The experiment hash's field holding its `BatchProgress`.
const PROGRESS: &str = "batch";

impl WorkerStore {
    /// The recorded batch names, by part.
    pub async fn batch_names(
        &self,
        experiment: &ExperimentId,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        let fields: BTreeMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.experiment_batches(experiment))
            .query_async(&mut self.conn())
            .await?;
        Ok(fields
            .into_iter()
            .filter_map(|(field, name)| Some((field.strip_prefix("part:")?.to_string(), name)))
            .collect())
    }

    pub async fn record_batch(
        &self,
        experiment: &ExperimentId,
        part: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        redis::cmd("HSET")
            .arg(self.keys.experiment_batches(experiment))
            .arg(format!("part:{part}"))
            .arg(name)
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_batch_progress(
        &self,
        experiment: &ExperimentId,
        progress: &BatchProgress,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(progress).map_err(|e| corrupt("batch progress", e))?;
        redis::cmd("HSET")
            .arg(self.keys.experiment(experiment))
            .arg(PROGRESS)
            .arg(json)
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Whether the run was cancelled (its batches are then cancelled too).
    pub async fn run_cancelled(&self, run: &RunId) -> Result<bool, StoreError> {
        let cancelled: bool = redis::cmd("HEXISTS")
            .arg(self.keys.run(run))
            .arg("cancel")
            .query_async(&mut self.conn())
            .await?;
        Ok(cancelled)
    }
}
