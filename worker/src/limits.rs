//! How many model calls may be in flight: per experiment across the cluster (its
//! `jobs`), and per worker process.
//!
//! `CallLimits::begin` admits one record:
//! 1. a local permit of the experiment (at most `jobs` contenders per process: more
//!    could never all hold a lease) and one of the process (`max_in_flight`);
//! 2. the store's decision (`begin_records`, through the process's group-commit
//!    queue `record_starts`), which also takes one of the experiment's cluster-wide
//!    leases; while all `jobs` leases are held elsewhere it polls with a short
//!    jittered backoff.
//!
//! The `CallPermit` it returns holds all three until the result is written
//! (`write_results` returns the lease in the same script). Leases held by this process
//! are renewed by `renew_forever` every third of their time-to-live; a worker that
//! dies stops renewing, and its leases lapse after the time-to-live.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tally_core::backoff::Backoff;
use tally_core::run::{ExperimentId, ExperimentRecord};
use tally_store::store_backoff::{Delays, StoreBackoff};
use tally_store::{RecordBegin, RecordStart, StoreError, WorkerStore};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::group_commit::GroupCommit;
use crate::record_starts::{RecordStarter, Start, StartRecords};

/// Experiments remembered before the table is cleared (finished experiments' entries
/// would otherwise accumulate in a long-lived worker).
const MAX_TRACKED: usize = 1024;

/// Waits between two tries while every lease is held elsewhere: full jitter keeps
/// the workers that found the leases taken at the same moment from polling in step.
const BUSY_BACKOFF: Backoff = Backoff {
    initial: Duration::from_millis(2),
    max: Duration::from_millis(50),
};

/// Settings of the call limits (from the environment, see `settings`).
#[derive(Debug, Clone, Copy)]
pub struct LimitSettings {
    /// `TALLY_WORKER_MAX_IN_FLIGHT`: model calls this process makes at once.
    pub max_in_flight: usize,
    /// `TALLY_LEASE_SECS`: how long a lease outlives a worker that stopped renewing it.
    pub lease_ttl: Duration,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            max_in_flight: 200,
            lease_ttl: Duration::from_secs(30),
        }
    }
}

/// Leases held by this process, by experiment (what the renewal loop renews).
type Held = Arc<Mutex<HashMap<ExperimentId, HashSet<String>>>>;

pub struct CallLimits {
    store: WorkerStore,
    starts: RecordStarter,
    /// Prefix of this process's lease ids (the worker's unique name).
    owner: String,
    settings: LimitSettings,
    process: Arc<Semaphore>,
    experiments: Mutex<HashMap<ExperimentId, Arc<Semaphore>>>,
    held: Held,
    next_lease: AtomicU64,
    /// The renewal loop's error log. Renewal keeps its pace while the store fails
    /// (a slower pace would let leases lapse); only its logging backs off.
    renewal_errors: StoreBackoff,
}

/// What `begin` decided about a record.
pub enum Begun {
    /// Go ahead (the `attempt`-th start of the record) while holding `permit`.
    Proceed {
        attempt: u32,
        permit: CallPermit,
    },
    AlreadyDone,
    Cancelled,
    Stopped,
}

/// The right to make one model call: local permits and a cluster lease.
pub struct CallPermit {
    store: WorkerStore,
    experiment: ExperimentId,
    lease: String,
    held: Held,
    /// The lease was given back (by the result write or `release`).
    returned: bool,
    _experiment_permit: OwnedSemaphorePermit,
    _process_permit: OwnedSemaphorePermit,
}

impl CallLimits {
    pub fn new(store: WorkerStore, owner: String, settings: LimitSettings) -> CallLimits {
        CallLimits {
            starts: GroupCommit::start(StartRecords {
                store: store.clone(),
                lease_ttl: settings.lease_ttl,
            }),
            store,
            owner,
            process: Arc::new(Semaphore::new(settings.max_in_flight.max(1))),
            settings,
            experiments: Mutex::new(HashMap::new()),
            held: Arc::new(Mutex::new(HashMap::new())),
            next_lease: AtomicU64::new(0),
            renewal_errors: StoreBackoff::new("lease renewal", Delays::STORE),
        }
    }

    pub fn settings(&self) -> LimitSettings {
        self.settings
    }

    /// Waits for the permits of one call of `experiment` for the result `key` (a
    /// record at a trial, `result_key`); says instead when it needs no call (done,
    /// cancelled, stopped).
    pub async fn begin(
        &self,
        experiment: &ExperimentRecord,
        key: &str,
    ) -> Result<Begun, StoreError> {
        let id = &experiment.experiment_id;
        let local = self.experiment_semaphore(id, experiment.jobs);
        // Neither semaphore is ever closed.
        let (Ok(experiment_permit), Ok(process_permit)) = (
            local.acquire_owned().await,
            self.process.clone().acquire_owned().await,
        ) else {
            unreachable!("call-limit semaphores are never closed")
        };
        let lease = format!(
            "{}:{}",
            self.owner,
            self.next_lease.fetch_add(1, Ordering::Relaxed)
        );
        let mut busy_polls = 0;
        loop {
            let start = Start {
                run: experiment.run_id.clone(),
                cap: experiment.jobs.max(1),
                begin: RecordBegin {
                    key: key.to_string(),
                    lease: lease.clone(),
                },
            };
            let start = self.starts.submit(id, start).await?;
            return Ok(match start {
                RecordStart::Busy => {
                    busy_polls += 1;
                    let wait = BUSY_BACKOFF.full_jitter(busy_polls, rand::random());
                    tokio::time::sleep(wait).await;
                    continue;
                }
                RecordStart::AlreadyDone => Begun::AlreadyDone,
                RecordStart::Cancelled => Begun::Cancelled,
                RecordStart::Stopped => Begun::Stopped,
                RecordStart::Proceed { attempt } => {
                    lock(&self.held)
                        .entry(id.clone())
                        .or_default()
                        .insert(lease.clone());
                    Begun::Proceed {
                        attempt,
                        permit: CallPermit {
                            store: self.store.clone(),
                            experiment: id.clone(),
                            lease,
                            held: self.held.clone(),
                            returned: false,
                            _experiment_permit: experiment_permit,
                            _process_permit: process_permit,
                        },
                    }
                }
            });
        }
    }

    fn experiment_semaphore(&self, experiment: &ExperimentId, jobs: u64) -> Arc<Semaphore> {
        let mut table = lock(&self.experiments);
        if table.len() >= MAX_TRACKED && !table.contains_key(experiment) {
            // Callers in flight keep their Arc; only future calls get a new one.
            table.clear();
        }
        let contenders = jobs.clamp(1, self.settings.max_in_flight.max(1) as u64) as usize;
        table
            .entry(experiment.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(contenders)))
            .clone()
    }

    /// Renews the leases this process holds, every third of their time-to-live,
    /// until `shutdown` resolves.
    pub async fn renew_forever(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(self.settings.lease_ttl / 3);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {}
            }
            let snapshot: Vec<(ExperimentId, Vec<String>)> = lock(&self.held)
                .iter()
                .map(|(experiment, leases)| (experiment.clone(), leases.iter().cloned().collect()))
                .collect();
            for (experiment, leases) in snapshot {
                match self
                    .store
                    .renew_leases(&experiment, &leases, self.settings.lease_ttl)
                    .await
                {
                    Ok(renewed) if renewed < leases.len() as u64 => {
                        // A lease lapsed (the process stalled past its time-to-live):
                        // its call goes on, and the cap may be exceeded by it briefly.
                        tracing::warn!(%experiment, held = leases.len(), renewed,
                            "some call leases lapsed before they were renewed");
                    }
                    Ok(_) => self.renewal_errors.succeeded(),
                    Err(error) => {
                        let _ = self.renewal_errors.failed(&error);
                    }
                }
            }
        }
    }
}

impl CallPermit {
    /// The lease id, for the result write to give back.
    pub fn lease(&self) -> &str {
        &self.lease
    }

    /// The result write gave the lease back.
    pub fn returned(mut self) {
        self.forget();
    }

    /// Gives the lease back now.
    pub async fn release(mut self) -> Result<(), StoreError> {
        self.forget();
        self.store
            .release_lease(&self.experiment, &self.lease)
            .await
    }

    fn forget(&mut self) {
        self.returned = true;
        let mut held = lock(&self.held);
        if let Some(leases) = held.get_mut(&self.experiment) {
            leases.remove(&self.lease);
            if leases.is_empty() {
                held.remove(&self.experiment);
            }
        }
    }
}

impl Drop for CallPermit {
    /// A permit dropped on an error path still gives its lease back (or it would
    /// shrink the cap until it expires).
    fn drop(&mut self) {
        if self.returned {
            return;
        }
        self.forget();
        let (store, experiment, lease) = (
            self.store.clone(),
            self.experiment.clone(),
            std::mem::take(&mut self.lease),
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = store.release_lease(&experiment, &lease).await {
                    tracing::warn!(%error, %experiment, "a call lease was not given back; it expires by itself");
                }
            });
        }
    }
}

/// A poisoned lock only means another task panicked; the tables stay usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
