//! tally-worker: executes experiments.
//!
//! - `settings`: configuration from the environment.
//! - `context`: what the job handlers share (store, queues, model, call limits).
//! - `jobs/`: the `plan`, `chunk` and `finalize` handlers.
//! - `batch/`: batch execution (`"execution": "batch"`): parts, batches created
//!   once and polled, answers scored like online ones.
//! - `record`: one record's model call and scoring, as a `RecordResult`; `ocr`: the
//!   same for the local OCR model `tesseract-tha`; `daily_quota`: the call of an
//!   experiment that fails rather than wait for its daily quota.
//! - `limits`: the cluster-wide cap on an experiment's model calls in flight (`jobs`,
//!   leases in Redis) and the per-process cap.
//! - `quotas`: per-model request and token quotas (built-in tier-1 limits + a file).
//! - `pacer`: the Gemini client's call gate over the shared rate limiter; `spend`:
//!   the spend cap per ten minutes, paced by cost.
//! - `supervise`: keeps each queue's apalis worker running, with backoff when its
//!   queue cannot be polled.
//! - `datadog`: the Datadog export outbox's drainer and what it sends.
//! - `response_cache`: the Gemini client's response cache over Redis.
//! - `sweep`: re-enqueues the plans of runs that stay queued and the finalize of
//!   complete experiments, and finalizes those whose finalize job never ran
//!   (`stuck_runs`); retention housekeeping.
//! - `watchdog`: notices a queue worker that stopped beating, for `supervise` to
//!   replace.
//! - `metrics`: Prometheus metrics and their server; `observe`: what a stored
//!   result, online or batch, adds to them.
//!
//! `Worker::run` runs one apalis worker per queue under a process-unique name
//! (`supervise`) until the shutdown future resolves; then no new job is taken, jobs
//! in flight get up to the grace period to finish, and the process lets go as soon
//! as no job handler runs (`running`; what is left is picked up by other workers
//! through orphan recovery). Idle queues are woken by announced pushes
//! (`tally_store::jobs::wake`) and polled every `TALLY_QUEUE_POLL_MS`. The grace bounds
//! the housekeeping loops too: one still waiting on the store then is abandoned, so
//! a worker stops in time even when Redis does not answer.

mod batch;
pub mod context;
pub mod daily_quota;
pub mod datadog;
mod group_commit;
pub mod jobs;
pub mod limits;
pub mod metrics;
mod observe;
pub mod ocr;
pub mod pacer;
pub mod quotas;
pub mod record;
mod record_starts;
pub mod response_cache;
mod result_writer;
pub mod running;
pub mod settings;
pub mod spend;
pub mod stuck_runs;
pub mod supervise;
pub mod sweep;
pub mod watchdog;

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BackendExt, Monitor, Strategy, WorkerBuilder, WorkerBuilderExt};
use tally_store::WorkerStore;
use tally_store::jobs::wake::{QueueWakes, Wake};

use crate::watchdog::Watchdog;

pub use context::Context;
pub use metrics::Metrics;
pub use settings::WorkerSettings;

/// Past the shutdown grace, how long a housekeeping loop told to stop only then
/// (lease renewal, which runs until the queues are done) has to end by itself.
const LAST_WORD: Duration = Duration::from_secs(1);

/// Plan and finalize jobs are short: a few at a time per worker is plenty.
const SMALL_JOBS_AT_ONCE: usize = 4;

pub struct Worker {
    context: Arc<Context>,
    concurrent_chunks: usize,
    shutdown_grace: Duration,
}

impl Worker {
    pub fn new(
        context: Arc<Context>,
        concurrent_chunks: usize,
        shutdown_grace: Duration,
    ) -> Worker {
        Worker {
            context,
            concurrent_chunks,
            shutdown_grace,
        }
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.context
    }

    /// Runs until `shutdown` resolves, then drains within the grace period.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let queues = self.context.store.queues().clone();
        let (plan, chunk, finalize) = (queues.plan, queues.chunk, queues.finalize);
        let name = self.context.name.clone();
        let context = self.context.clone();
        let chunks = self.concurrent_chunks;
        let grace = self.shutdown_grace;
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let (wakes, poll) = (QueueWakes::new(), queues.settings.idle_poll);
        let pushes = tokio::spawn({
            let (store, wakes) = (context.store.clone(), wakes.clone());
            async move { store.wake_on_pushes(wakes).await }
        });
        let plan_queue = supervise::supervise(
            "plan queue",
            {
                let name = name.clone();
                move |attempt| format!("{name}-plan-{attempt}")
            },
            {
                let (context, wakes) = (context.clone(), wakes.clone());
                move |worker: String| {
                    let (context, plan, wakes) = (context.clone(), plan.clone(), wakes.clone());
                    Monitor::new().register(move |_| {
                        WorkerBuilder::new(worker.clone())
                            .backend(
                                plan.clone()
                                    .poll_with_strategy(wake_or_poll(wakes.plan(), poll)),
                            )
                            .catch_panic()
                            .concurrency(SMALL_JOBS_AT_ONCE)
                            .data(context.clone())
                            .build(jobs::plan::handle)
                    })
                }
            },
            Watchdog {
                store: context.store.clone(),
                kind: "plan",
            },
            grace,
            context.running.clone(),
            stopping.clone(),
        );
        let chunk_queue = supervise::supervise(
            "chunk queue",
            {
                let name = name.clone();
                move |attempt| format!("{name}-chunk-{attempt}")
            },
            {
                let (context, wakes) = (context.clone(), wakes.clone());
                move |worker: String| {
                    let (context, chunk, wakes) = (context.clone(), chunk.clone(), wakes.clone());
                    Monitor::new().register(move |_| {
                        WorkerBuilder::new(worker.clone())
                            .backend(
                                chunk
                                    .clone()
                                    .poll_with_strategy(wake_or_poll(wakes.chunk(), poll)),
                            )
                            .catch_panic()
                            .concurrency(chunks)
                            .data(context.clone())
                            .build(jobs::chunk::handle)
                    })
                }
            },
            Watchdog {
                store: context.store.clone(),
                kind: "chunk",
            },
            grace,
            context.running.clone(),
            stopping.clone(),
        );
        let finalize_queue = supervise::supervise(
            "finalize queue",
            {
                let name = name.clone();
                move |attempt| format!("{name}-finalize-{attempt}")
            },
            {
                let (context, wakes) = (context.clone(), wakes.clone());
                move |worker: String| {
                    let (context, finalize, wakes) =
                        (context.clone(), finalize.clone(), wakes.clone());
                    Monitor::new().register(move |_| {
                        WorkerBuilder::new(worker.clone())
                            .backend(
                                finalize
                                    .clone()
                                    .poll_with_strategy(wake_or_poll(wakes.finalize(), poll)),
                            )
                            .catch_panic()
                            .concurrency(SMALL_JOBS_AT_ONCE)
                            .data(context.clone())
                            .build(jobs::finalize::handle)
                    })
                }
            },
            Watchdog {
                store: context.store.clone(),
                kind: "finalize",
            },
            grace,
            context.running.clone(),
            stopping.clone(),
        );
        tracing::info!(worker = %name, chunks, "worker started");
        let (stop_sweep, sweep_stopped) = tokio::sync::oneshot::channel::<()>();
        let sweep = tokio::spawn(sweep::run(context.clone(), async {
            let _ = sweep_stopped.await;
        }));
        let (stop_export, export_stopped) = tokio::sync::oneshot::channel::<()>();
        let export = tokio::spawn(datadog::drain(context.clone(), async {
            let _ = export_stopped.await;
        }));
        // Leases are renewed until the last call has drained, after the queues.
        let (stop_renewing, renewing_stopped) = tokio::sync::oneshot::channel::<()>();
        let renewals = tokio::spawn(async move {
            context
                .limits
                .renew_forever(async {
                    let _ = renewing_stopped.await;
                })
                .await
        });
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: no new jobs; in-flight records may finish");
            let _ = stop.send(true);
            // Housekeeping serves no record in flight: it stops now, with the grace to
            // end the pass it is in.
            let _ = stop_sweep.send(());
            let _ = stop_export.send(());
            tokio::time::Instant::now() + grace
        };
        let (deadline, (), (), ()) = tokio::join!(signal, plan_queue, chunk_queue, finalize_queue);
        pushes.abort();
        let _ = stop_renewing.send(());
        // A loop told to stop ends once its current pass does; a pass waiting on a store
        // that does not answer would hold the process long past the grace, so at the
        // deadline it is abandoned. Lease renewal, told only now, gets a moment.
        let deadline = deadline.max(tokio::time::Instant::now() + LAST_WORD);
        let mut abandoned = Vec::new();
        for (task, name) in [
            (sweep, "sweep"),
            (export, "Datadog export"),
            (renewals, "lease renewal"),
        ] {
            if !finish_by(deadline, task).await {
                abandoned.push(name);
            }
        }
        if abandoned.is_empty() {
            tracing::info!("stopped");
        } else {
            tracing::warn!(
                ?abandoned,
                "stopped; abandoned when the shutdown grace ran out (leases left lapse and \
                 other workers redo their records; sweeps and exports are theirs too)"
            );
        }
        Ok(())
    }
}

/// Fetches when a push to the queue is announced (`tally_store::jobs::wake`), and
/// every `poll` besides for what is not announced.
fn wake_or_poll(wake: Wake, poll: Duration) -> Strategy {
    Strategy::new().stream(wake).interval(poll)
}

/// Waits for `task` until `deadline`, then aborts it; says whether it ended by itself.
async fn finish_by(deadline: tokio::time::Instant, mut task: tokio::task::JoinHandle<()>) -> bool {
    match tokio::time::timeout_at(deadline, &mut task).await {
        Ok(_) => true,
        Err(_) => {
            task.abort();
            false
        }
    }
}

/// Connects the worker's store handle, with the queues of `settings`' namespace.
pub async fn connect(settings: &WorkerSettings) -> Result<WorkerStore, tally_store::StoreError> {
    WorkerStore::connect(&settings.store, settings.queues).await
}
