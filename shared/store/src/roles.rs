//! One store handle per role: what each daemon may do in Redis is what its handle has.
//!
//! Every role reads: each handle dereferences to [`Store`], whose public methods only
//! read (runs, experiments, results, datasets, schedules, slot states, leases held,
//! rate-limiter state, queue depth and liveness) and `ping`. Everything that writes is
//! on the handle of the role that may do it, in the file of its concern:
//!
//! | handle | writes |
//! |---|---|
//! | [`ApiStore`] (tally-api) | `submit`, `cancel`, `retry`, `register_dataset_version` (and [`crate::import`]), `create_schedule`, `replace_schedule`, `set_schedule_paused`, `delete_schedule` |
//! | [`WorkerStore`] (tally-worker) | `queues` (the apalis-redis storages workers consume), `begin_records`, `write_results`, `write_result`, `abort_experiment`, `finish_experiment`, `complete_run`, `renew_leases`, `release_lease`, `reserve_calls`, `rate_limited`, `retire_run`, `vacuum_due`, `prune_expired` |
//! | [`SchedulerStore`] (tally-scheduler) | `submit`, `seed_schedule`, `claim_slot`, `record_slot_run`, `record_slot_failure`, `release_slot`, `record_slot_refusal`, `clear_slot_refusal`, `advance_schedule_cursor`, `record_skipped_slots`, `claim_run_check` |
//!
//! So "only workers write results" and "the API never executes a run" are compile
//! errors, not conventions: the API's handle has neither the record operations nor
//! the queues' consuming side (see the examples on each handle). Handles are made
//! from settings, never from one another, so code given one role's handle cannot
//! turn it into another's.

use std::ops::Deref;
use std::sync::Arc;

use tally_core::run::{RunId, Submitter};

use crate::jobs::wake::{self, QueueWakes};
use crate::jobs::{QueueSettings, Queues};
use crate::retry::{self, RetryOutcome};
use crate::store_backoff::{Delays, StoreBackoff};
use crate::submission::{self, Submission, SubmitError, Submitted};
use crate::{CancelOutcome, Store, StoreError, StoreSettings};

/// tally-api's handle: reads, submits and cancels runs, imports datasets, edits
/// schedules. It pushes plan and finalize jobs but cannot consume any.
///
/// The API cannot write a result:
///
/// ```compile_fail,E0599
/// # async fn api_writes(
/// #     api: &tally_store::ApiStore,
/// #     experiment: &tally_core::run::ExperimentId,
/// #     result: &tally_core::run::RecordResult,
/// # ) {
/// api.write_result(experiment, result, None).await;
/// # }
/// ```
///
/// nor start a record, nor reach the queues workers consume:
///
/// ```compile_fail,E0599
/// # async fn api_executes(
/// #     api: &tally_store::ApiStore,
/// #     run: &tally_core::run::RunId,
/// #     experiment: &tally_core::run::ExperimentId,
/// #     begins: &[tally_store::RecordBegin],
/// # ) {
/// api.begin_records(run, experiment, 1, std::time::Duration::from_secs(30), begins).await;
/// # }
/// ```
///
/// ```compile_fail,E0599
/// # fn api_consumes(api: &tally_store::ApiStore) {
/// let chunks = api.queues().chunk.clone();
/// # }
/// ```
#[derive(Clone)]
pub struct ApiStore {
    store: Store,
    /// Used to enqueue only (the plans of a submitted run, the finalizes of a cancel).
    queues: Arc<Queues>,
}

/// tally-worker's handle: reads, executes records, finalizes experiments and runs,
/// holds leases and rate-limiter slots, retires runs; owns the queues it consumes.
///
/// What the API's handle refuses compiles here:
///
/// ```no_run
/// # async fn worker_executes(
/// #     worker: &tally_store::WorkerStore,
/// #     run: &tally_core::run::RunId,
/// #     experiment: &tally_core::run::ExperimentId,
/// #     begins: &[tally_store::RecordBegin],
/// #     result: &tally_core::run::RecordResult,
/// # ) {
/// let _ = worker.begin_records(run, experiment, 1, std::time::Duration::from_secs(30), begins).await;
/// let _ = worker.write_result(experiment, result, None).await;
/// let chunks = worker.queues().chunk.clone();
/// # }
/// ```
///
/// A worker creates and cancels no runs:
///
/// ```compile_fail,E0599
/// # async fn worker_cancels(worker: &tally_store::WorkerStore, run: &tally_core::run::RunId) {
/// worker.cancel(run).await;
/// # }
/// ```
#[derive(Clone)]
pub struct WorkerStore {
    store: Store,
    /// Shared: a worker clones its handle for every call it makes.
    queues: Arc<Queues>,
}

/// tally-scheduler's handle: reads, submits the run of a slot, claims slots and
/// regression checks. It neither cancels runs nor writes results:
///
/// ```compile_fail,E0599
/// # async fn scheduler_cancels(scheduler: &tally_store::SchedulerStore, run: &tally_core::run::RunId) {
/// scheduler.cancel(run).await;
/// # }
/// ```
///
/// ```compile_fail,E0599
/// # async fn scheduler_writes(
/// #     scheduler: &tally_store::SchedulerStore,
/// #     experiment: &tally_core::run::ExperimentId,
/// #     result: &tally_core::run::RecordResult,
/// # ) {
/// scheduler.write_result(experiment, result, None).await;
/// # }
/// ```
#[derive(Clone)]
pub struct SchedulerStore {
    store: Store,
    /// Used to enqueue only (the plans of a submitted run).
    queues: Arc<Queues>,
}

impl ApiStore {
    /// Connects to Redis (see [`Store::connect`]).
    pub async fn connect(settings: &StoreSettings) -> Result<ApiStore, StoreError> {
        let store = Store::connect(settings).await?;
        let queues = Arc::new(Queues::new(&store, QueueSettings::default()));
        Ok(ApiStore { store, queues })
    }

    /// Stores a run and enqueues its plans (see [`submission`]).
    pub async fn submit(
        &self,
        submission: Submission,
        max_chunk_size: u64,
    ) -> Result<Submitted, SubmitError> {
        submission::submit(&self.store, &self.queues, submission, max_chunk_size, None).await
    }

    /// `submit` with the request's own Datadog keys, sealed for its run by
    /// `seal(run_id)`: stored before the run's first job is queued, so the run's
    /// export always finds them.
    pub async fn submit_with_keys(
        &self,
        submission: Submission,
        max_chunk_size: u64,
        seal: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Submitted, SubmitError> {
        submission::submit(
            &self.store,
            &self.queues,
            submission,
            max_chunk_size,
            Some(seal),
        )
        .await
    }

    /// Sets the run's cancel flag and enqueues the finalize of each unfinished
    /// experiment (see [`submission`]).
    pub async fn cancel(&self, run: &RunId) -> Result<CancelOutcome, SubmitError> {
        submission::cancel(&self.store, &self.queues, run).await
    }

    /// Stores a run retrying the unsuccessful records of `run`'s chain and enqueues
    /// its plans (see `retry.rs`).
    pub async fn retry(
        &self,
        run: &RunId,
        submitter: Submitter,
        max_chunk_size: u64,
    ) -> Result<RetryOutcome, SubmitError> {
        retry::retry(&self.store, &self.queues, run, submitter, max_chunk_size).await
    }
}

impl WorkerStore {
    /// Connects to Redis (see [`Store::connect`]); the queues beat and recover
    /// orphaned jobs as `queue_settings` says.
    pub async fn connect(
        settings: &StoreSettings,
        queue_settings: QueueSettings,
    ) -> Result<WorkerStore, StoreError> {
        let store = Store::connect(settings).await?;
        let queues = Arc::new(Queues::new(&store, queue_settings));
        Ok(WorkerStore { store, queues })
    }

    /// The plan, chunk and finalize queues: the backends workers consume, and where a
    /// worker enqueues the jobs that follow its own.
    pub fn queues(&self) -> &Queues {
        &self.queues
    }

    /// Wakes `wakes`' fetchers whenever a job is pushed to their queue (`jobs::wake`),
    /// subscribing again after a lost connection; never returns.
    pub async fn wake_on_pushes(&self, wakes: QueueWakes) {
        let backoff = StoreBackoff::new("queue push subscription", Delays::STORE);
        let channel = self.store.keys().queue_pushes();
        loop {
            let listened = wake::listen(&self.store.conn(), &channel, &wakes, &backoff).await;
            let error = match listened {
                Ok(()) => "the subscription was closed".to_string(),
                Err(error) => error.to_string(),
            };
            tokio::time::sleep(backoff.failed(&error)).await;
        }
    }
}

impl SchedulerStore {
    /// Connects to Redis (see [`Store::connect`]).
    pub async fn connect(settings: &StoreSettings) -> Result<SchedulerStore, StoreError> {
        let store = Store::connect(settings).await?;
        let queues = Arc::new(Queues::new(&store, QueueSettings::default()));
        Ok(SchedulerStore { store, queues })
    }

    /// Stores a run and enqueues its plans (see [`submission`]).
    pub async fn submit(
        &self,
        submission: Submission,
        max_chunk_size: u64,
    ) -> Result<Submitted, SubmitError> {
        submission::submit(&self.store, &self.queues, submission, max_chunk_size, None).await
    }
}

impl Deref for ApiStore {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

impl Deref for WorkerStore {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

impl Deref for SchedulerStore {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}
