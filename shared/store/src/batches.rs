//! A batch-mode experiment's batches: the name of each part's batch (so a worker
//! that resumes the experiment polls it instead of creating a second one) and the
//! progress shown in the experiment's status (the `batch` field of its hash, read
//! with the rest of its view).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::Utc;
use redis::Script;

use tally_core::run::{BatchProgress, ExperimentId, RunId};

use crate::StoreError;
use crate::error::corrupt;
use crate::roles::WorkerStore;

/// The experiment hash's field holding its `BatchProgress`.
const PROGRESS: &str = "batch";

/// KEYS: experiment, run. ARGV: now. Marks a batch-mode experiment (and its run)
/// running once its batches are submitted, as `begin_records` does for online ones.
static START_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('HEXISTS', KEYS[2], 'cancel') == 1 then return 0 end
if redis.call('HGET', KEYS[1], 'status') == 'pending' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[1])
end
if redis.call('HGET', KEYS[2], 'status') == 'queued' then
  redis.call('HSET', KEYS[2], 'status', 'running', 'started_at', ARGV[1])
end
return 1
"#,
    )
});

impl WorkerStore {
    /// The experiment and its run are running: its batches are submitted.
    pub async fn start_batch_experiment(
        &self,
        run: &RunId,
        experiment: &ExperimentId,
    ) -> Result<(), StoreError> {
        START_SCRIPT
            .key(self.keys.experiment(experiment))
            .key(self.keys.run(run))
            .arg(Utc::now().to_rfc3339())
            .invoke_async::<u8>(&mut self.conn())
            .await?;
        Ok(())
    }

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
