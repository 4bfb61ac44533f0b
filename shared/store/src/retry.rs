//! Retries: a run whose records did not all succeed gets a child run that executes,
//! per experiment, only those records — same configuration, same dataset version.
//!
//! A chain is a first run and its retries (a retry of a retry joins the first run's
//! chain). The records of a new retry are chosen over the whole chain, and the chain
//! is guarded when the retry is stored: it is refused when the chain's latest run is
//! not final, or when another retry was stored since the records were chosen, so two
//! retries never execute the same record at once.

use chrono::Utc;

use crate::error::corrupt;
use crate::jobs::Queues;
use crate::runs::ChainGuard;
use crate::submission::{SubmitError, chunk_size, enqueue_plans};
use crate::{Created, Footprint, Store, StoreError};
use tally_core::contract::RunStatus;
use tally_core::run::{
    ExperimentId, ExperimentRecord, RecordResult, RetryScope, RunId, RunRecord, RunView, Submitter,
    merge_attempts, unsucceeded_units,
};

/// What a retry request found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryOutcome {
    /// The child run is stored and its plans are queued.
    Created {
        run_id: RunId,
        /// The chain's first run, which the child completes.
        retry_of: RunId,
        /// Record × trial pairs to execute per experiment, in request order.
        records: Vec<u64>,
    },
    NotFound,
    /// The chain's latest run (`run`) has not ended: a retry would race it.
    Running {
        run: RunId,
        status: RunStatus,
    },
}

impl Store {
    /// The chain `run` belongs to: its first run, then the retries oldest first.
    /// `None` when `run` is unknown.
    pub async fn run_chain(&self, run: &RunId) -> Result<Option<Vec<RunView>>, StoreError> {
        let Some(view) = self.run(run).await? else {
            return Ok(None);
        };
        let root = match &view.record.retry_of {
            Some(root) => match self.run(root).await? {
                Some(root) => root,
                // The first run's retention ended before this retry's.
                None => return Ok(Some(vec![view])),
            },
            None => view,
        };
        let mut chain = Vec::new();
        for id in self.run_retries(&root.record.run_id).await? {
            if let Some(retry) = self.run(&id).await? {
                chain.push(retry);
            }
        }
        chain.insert(0, root);
        Ok(Some(chain))
    }

    /// Per experiment of the chain (request order), one result per record: the
    /// latest attempt's.
    pub async fn combined_results(
        &self,
        chain: &[RunView],
    ) -> Result<Vec<Vec<RecordResult>>, StoreError> {
        let Some(first) = chain.first() else {
            return Ok(Vec::new());
        };
        let mut combined = Vec::with_capacity(first.record.experiments.len());
        for index in 0..first.record.experiments.len() {
            let mut attempts = Vec::with_capacity(chain.len());
            for run in chain {
                if let Some(experiment) = run.record.experiments.get(index) {
                    attempts.push(self.all_results(experiment).await?);
                }
            }
            combined.push(merge_attempts(attempts));
        }
        Ok(combined)
    }
}

pub(crate) async fn retry(
    store: &Store,
    queues: &Queues,
    run: &RunId,
    submitter: Submitter,
    max_chunk_size: u64,
) -> Result<RetryOutcome, SubmitError> {
    let Some(chain) = store.run_chain(run).await? else {
        return Ok(RetryOutcome::NotFound);
    };
    let (Some(root), Some(latest)) = (chain.first(), chain.last()) else {
        return Ok(RetryOutcome::NotFound);
    };
    if !latest.status.is_final() {
        return Ok(RetryOutcome::Running {
            run: latest.record.run_id.clone(),
            status: latest.status,
        });
    }
    let root_experiments = store.experiments(&root.record.experiments).await?;
    let combined = store.combined_results(&chain).await?;
    let run_id = RunId::generate();
    let mut experiments = Vec::with_capacity(combined.len());
    for (first, merged) in root_experiments.into_iter().zip(&combined) {
        let Some(first) = first else {
            return Err(corrupt(
                &store.keys().run(&root.record.run_id),
                "an experiment of the run is not stored",
            )
            .into());
        };
        let first = first.record;
        let sample = store
            .dataset_record_range(
                &first.dataset.name,
                &first.dataset.content_hash,
                0,
                first.total,
            )
            .await?;
        let ids: Vec<String> = sample.into_iter().map(|record| record.id).collect();
        let (indices, trials) = unsucceeded_units(&ids, first.trials, merged);
        let mut experiment = ExperimentRecord {
            experiment_id: ExperimentId::generate(),
            run_id: run_id.clone(),
            total: indices.len() as u64,
            retry: Some(RetryScope {
                experiment_id: first.experiment_id.clone(),
                indices,
                trials,
            }),
            ..first
        };
        experiment.chunk_size = chunk_size(experiment.units(), max_chunk_size);
        experiments.push(experiment);
    }
    let record = RunRecord {
        run_id,
        request: root.record.request.clone(),
        dataset: root.record.dataset.clone(),
        experiments: experiments
            .iter()
            .map(|e| e.experiment_id.clone())
            .collect(),
        submitter,
        created_at: Utc::now(),
        retry_of: Some(root.record.run_id.clone()),
    };
    let guard = ChainGuard {
        root: root.record.run_id.clone(),
        latest_retry: (chain.len() > 1).then(|| latest.record.run_id.clone()),
    };
    store
        .ensure_room(Footprint::run(experiments.iter().map(|e| e.total), 1))
        .await?;
    match store
        .create_run(&record, &experiments, None, Some(&guard))
        .await?
    {
        Created::New(run_id) => {
            enqueue_plans(queues, &record.experiments).await?;
            Ok(RetryOutcome::Created {
                run_id,
                retry_of: guard.root,
                records: experiments.iter().map(ExperimentRecord::units).collect(),
            })
        }
        // The chain moved since it was read: its latest run is another one now.
        Created::ChainMoved(latest) => {
            let latest = latest.unwrap_or(guard.root);
            let status = store
                .run(&latest)
                .await?
                .map_or(RunStatus::Queued, |view| view.status);
            Ok(RetryOutcome::Running {
                run: latest,
                status,
            })
        }
        Created::Existing(run_id) => Err(corrupt(
            &store.keys().run(&run_id),
            "a retry matched an idempotency key it did not send",
        )
        .into()),
    }
}
