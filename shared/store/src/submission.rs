//! Submitting and cancelling runs: the code paths the API and the scheduler share,
//! reached through their handles (`ApiStore::submit`, `ApiStore::cancel`,
//! `SchedulerStore::submit`).
//!
//! Resolves and pins the dataset version, sizes every experiment, refuses a run whose
//! results would not fit in Redis (`footprint`), stores the run and its experiments
//! in one step, then enqueues one `plan` job per experiment. A run
//! whose plan jobs were lost (the submitter died between the two steps) is picked up
//! by the workers' sweep of runs that stay queued (`requeue_stalled`).

use chrono::Utc;

use crate::error::corrupt;
use crate::jobs::{FinalizeJob, PlanJob, QueueError, Queues};
use crate::{CancelOutcome, Created, Footprint, IdempotencyKey, Store, StoreError};
use tally_core::contract::{DatasetName, ExperimentRequest};
use tally_core::run::{DatasetPin, ExperimentId, ExperimentRecord, RunId, RunRecord, Submitter};

/// Most records per chunk job: large enough that queue overhead per record stays
/// small, small enough that a dead worker's chunk is little work to redo.
pub const DEFAULT_MAX_CHUNK_SIZE: u64 = 25;

/// Chunks an experiment is cut into at least (when it has that many records), so
/// that even a small experiment spreads over several workers.
const MIN_CHUNKS: u64 = 16;

/// Model calls (records × trials) per chunk for an experiment of `total` calls.
pub fn chunk_size(total: u64, max_chunk_size: u64) -> u64 {
    total.div_ceil(MIN_CHUNKS).clamp(1, max_chunk_size.max(1))
}

pub struct Submission {
    pub request: ExperimentRequest,
    pub submitter: Submitter,
    pub idempotency: Option<IdempotencyKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub run_id: RunId,
    /// False when an idempotency key returned an earlier run.
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("dataset_name: no dataset named \"{0}\"")]
    UnknownDataset(DatasetName),
    #[error("dataset_version: dataset \"{name}\" has no version {version}")]
    UnknownVersion { name: DatasetName, version: u32 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

pub(crate) async fn submit(
    store: &Store,
    queues: &Queues,
    submission: Submission,
    max_chunk_size: u64,
    seal_keys: Option<&(dyn Fn(&str) -> String + Sync)>,
) -> Result<Submitted, SubmitError> {
    let request = submission.request;
    let name = request.dataset_name.clone();
    let version = match request.dataset_version {
        Some(version) => store
            .dataset_version(&name, u64::from(version.get()))
            .await?
            .ok_or(SubmitError::UnknownVersion {
                name: name.clone(),
                version: version.get(),
            })?,
        None => store
            .latest_dataset_version(&name)
            .await?
            .ok_or_else(|| SubmitError::UnknownDataset(name.clone()))?,
    };
    let dataset = DatasetPin {
        name,
        version: version.version,
        size: version.size,
        content_hash: version.content_hash,
    };
    let total = request
        .sample_size
        .map_or(dataset.size, |n| u64::from(n.get()).min(dataset.size));
    let run_id = RunId::generate();
    let experiments: Vec<ExperimentRecord> = request
        .model_configs
        .iter()
        .enumerate()
        .map(|(index, config)| {
            let trials = config.trials(request.trials).get();
            ExperimentRecord {
                experiment_id: ExperimentId::generate(),
                run_id: run_id.clone(),
                index,
                name: config.experiment_name(),
                config: config.clone(),
                dataset: dataset.clone(),
                total,
                // Chunks are cut over model calls (record × trial), not records.
                chunk_size: chunk_size(total * u64::from(trials), max_chunk_size),
                jobs: u64::from(request.jobs.get()),
                raise_errors: request.raise_errors,
                cache: config.cache_mode(request.cache),
                trials,
                execution: config.execution_mode(request.execution),
                on_daily_quota: request.on_daily_quota,
                retry: None,
            }
        })
        .collect();
    let run = RunRecord {
        run_id,
        experiments: experiments
            .iter()
            .map(|e| e.experiment_id.clone())
            .collect(),
        request,
        dataset,
        submitter: submission.submitter,
        created_at: Utc::now(),
        retry_of: None,
    };
    // Each record is run once (`trials` = 1).
    store
        .ensure_room(Footprint::run(experiments.iter().map(|e| e.total), 1))
        .await?;
    match store
        .create_run(&run, &experiments, submission.idempotency.as_ref(), None)
        .await?
    {
        Created::Existing(run_id) => Ok(Submitted {
            run_id,
            created: false,
        }),
        Created::New(run_id) => {
            if let Some(seal) = seal_keys {
                store
                    .keep_export_keys(&run_id, &seal(run_id.as_str()))
                    .await?;
            }
            enqueue_plans(queues, &run.experiments).await?;
            Ok(Submitted {
                run_id,
                created: true,
            })
        }
        Created::ChainMoved(_) => Err(corrupt(
            &store.keys().run(&run.run_id),
            "a new run was refused as a retry",
        )
        .into()),
    }
}

/// Cancels a run: sets its cancel flag (workers stop at their next record; records
/// in flight finish) and enqueues `finalize` for each experiment that is not final,
/// which ends it `cancelled` with what was done so far.
pub(crate) async fn cancel(
    store: &Store,
    queues: &Queues,
    run: &RunId,
) -> Result<CancelOutcome, SubmitError> {
    let outcome = store.request_cancel(run).await?;
    if outcome == CancelOutcome::Requested
        && let Some(view) = store.run(run).await?
    {
        let experiments = store.experiments(&view.record.experiments).await?;
        for experiment in experiments.into_iter().flatten() {
            if experiment.phase.final_status().is_none() {
                let experiment_id = experiment.record.experiment_id;
                queues.push_finalize(FinalizeJob { experiment_id }).await?;
            }
        }
    }
    Ok(outcome)
}

/// Enqueues the plan job of each experiment.
pub async fn enqueue_plans(
    queues: &Queues,
    experiments: &[ExperimentId],
) -> Result<(), QueueError> {
    for experiment_id in experiments {
        queues
            .push_plan(PlanJob {
                experiment_id: experiment_id.clone(),
            })
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::chunk_size;

    #[test]
    fn small_experiments_spread_and_large_ones_stay_bounded() {
        assert_eq!(chunk_size(0, 25), 1);
        assert_eq!(chunk_size(10, 25), 1);
        assert_eq!(chunk_size(100, 25), 7);
        assert_eq!(chunk_size(100_000, 25), 25);
        assert_eq!(chunk_size(100_000, 0), 1);
    }
}
