//! A batch-mode experiment's batches: the name of each part's batch (so a worker
//! that resumes the experiment polls it instead of creating a second one) and what
//! it was created from (so its input file is deleted by name), and the progress
//! shown in the experiment's status (the `batch` field of its hash, read with the
//! rest of its view).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::Utc;
use redis::Script;

use tally_core::run::{BatchInput, BatchProgress, ExperimentId, RunId};

use crate::StoreError;
use crate::error::corrupt;
use crate::roles::WorkerStore;

/// The experiment hash's field holding its `BatchProgress`.
const PROGRESS: &str = "batch";

/// The stored input of a batch created from inline requests (a file's is its name).
const INLINE: &str = "inline";

/// A part's batch as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedBatch {
    /// `batches/{id}`.
    pub name: String,
    /// `None` when it was not recorded: a batch found again by its display name
    /// (its creator died before recording it), or recorded by an older worker.
    pub input: Option<BatchInput>,
}

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

    /// The recorded batches, by part.
    pub async fn recorded_batches(
        &self,
        experiment: &ExperimentId,
    ) -> Result<BTreeMap<String, RecordedBatch>, StoreError> {
        let fields: BTreeMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.experiment_batches(experiment))
            .query_async(&mut self.conn())
            .await?;
        let input = |part: &str| {
            fields
                .get(&format!("input:{part}"))
                .map(|stored| match stored.as_str() {
                    INLINE => BatchInput::Inline,
                    file => BatchInput::File(file.to_string()),
                })
        };
        Ok(fields
            .iter()
            .filter_map(|(field, name)| {
                let part = field.strip_prefix("part:")?;
                let batch = RecordedBatch {
                    name: name.clone(),
                    input: input(part),
                };
                Some((part.to_string(), batch))
            })
            .collect())
    }

    /// Records a part's batch `name` and what it was created from, in one write.
    pub async fn record_batch(
        &self,
        experiment: &ExperimentId,
        part: &str,
        name: &str,
        input: Option<&BatchInput>,
    ) -> Result<(), StoreError> {
        let mut command = redis::cmd("HSET");
        command
            .arg(self.keys.experiment_batches(experiment))
            .arg(format!("part:{part}"))
            .arg(name);
        if let Some(input) = input {
            let stored = match input {
                BatchInput::Inline => INLINE,
                BatchInput::File(file) => file.as_str(),
            };
            command.arg(format!("input:{part}")).arg(stored);
        }
        command.query_async::<()>(&mut self.conn()).await?;
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
