//! Housekeeping every worker does now and then.
//!
//! - Runs that stay `queued` get their plan jobs enqueued again. A submitter stores a
//!   run and then enqueues its plan jobs; if it dies in between, the run would wait
//!   forever. Plan jobs carry idempotency keys, so re-enqueueing is a no-op for runs
//!   whose plans were enqueued: only lost ones are sent.
//! - Experiments of running runs that have every result (or were stopped) get their
//!   finalize job enqueued again. The chunk that writes the last result enqueues it
//!   (then finalizes itself; the job is the backstop); when that chunk's execution is
//!   given up on after its last write (its worker was declared dead while Redis
//!   stalled, and a second execution of the chunk ended first, before the experiment
//!   was complete), nothing else would. Finalize jobs carry idempotency keys too.
//!   When the job exists but is never polled (a stalled poller leaves it in the
//!   scheduled set, where its idempotency key keeps a second push out), runs that
//!   stay `running` although an experiment is ready get finalized here
//!   (`stuck_runs`).
//! - Retention: the job bookkeeping of retired runs is vacuumed, and runs whose keys
//!   expired are dropped from the run indexes. Both are idempotent, so it does not
//!   matter that every worker does them.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tally_core::contract::RunStatus;
use tally_store::RunFilter;
use tally_store::jobs::FinalizeJob;
use tally_store::store_backoff::{Delays, StoreBackoff};
use tally_store::submission::enqueue_plans;

use crate::context::Context;
use crate::stuck_runs::StuckRuns;

/// How often the sweep looks, and how old a queued run must be to be swept.
pub const INTERVAL: Duration = Duration::from_secs(30);
const MIN_AGE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// Queued runs looked at per sweep (the oldest stalled ones surface first over time).
const BATCH: usize = 100;
/// Retired experiments vacuumed, and expired runs pruned, per sweep.
const VACUUM_BATCH: usize = 50;
const PRUNE_BATCH: usize = 1000;
/// An experiment with jobs still running is vacuumed again this much later.
const VACUUM_RETRY: Duration = Duration::from_secs(60);

/// While the store fails, sweeps space out from `INTERVAL` to this.
const FAILING_INTERVAL_CAP: Duration = Duration::from_secs(300);

pub async fn run(context: Arc<Context>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let backoff = StoreBackoff::new(
        "sweep",
        Delays {
            first: INTERVAL,
            cap: FAILING_INTERVAL_CAP,
        },
    );
    let mut wait = Duration::ZERO;
    let mut stuck = StuckRuns::default();
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            () = tokio::time::sleep(wait) => {}
        }
        let swept = sweep_once(&context).await;
        let unstuck = stuck.sweep(&context).await.map_err(Into::into);
        let retained = retention_once(&context).await.map_err(Into::into);
        wait = match swept.and(unstuck).and(retained) {
            Ok(_) => {
                backoff.succeeded();
                INTERVAL
            }
            // Each sweep tries again later anyway; a failing store spaces them out
            // further, and the error is logged once per interval, not per sweep.
            Err(error) => backoff.failed(&error).max(INTERVAL / 2),
        };
    }
}

pub async fn sweep_once(
    context: &Context,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let filter = RunFilter {
        status: Some(RunStatus::Queued),
        schedule: None,
    };
    let queued = context.store.list_runs(&filter, 0, BATCH).await?;
    let now = Utc::now();
    let mut swept = 0;
    for run in queued.iter().filter(|run| now - run.created_at > MIN_AGE) {
        enqueue_plans(context.store.queues(), &run.record.experiments).await?;
        swept += 1;
    }
    let filter = RunFilter {
        status: Some(RunStatus::Running),
        schedule: None,
    };
    for run in context.store.list_runs(&filter, 0, BATCH).await? {
        let experiments = context.store.experiments(&run.record.experiments).await?;
        for experiment in experiments.into_iter().flatten() {
            let ended = experiment.progress.is_complete() || experiment.aborted.is_some();
            if ended && experiment.phase.final_status().is_none() {
                let experiment_id = experiment.record.experiment_id;
                context
                    .store
                    .queues()
                    .push_finalize(FinalizeJob { experiment_id })
                    .await?;
                swept += 1;
            }
        }
    }
    Ok(swept)
}

/// Vacuums the job bookkeeping of retired runs and prunes expired runs from the
/// indexes.
pub async fn retention_once(context: &Context) -> Result<(), tally_store::StoreError> {
    let now = Utc::now();
    let vacuumed = context
        .store
        .vacuum_due(now, VACUUM_RETRY, VACUUM_BATCH)
        .await?;
    let pruned = context.store.prune_expired(now, PRUNE_BATCH).await?;
    if vacuumed.jobs > 0 || pruned > 0 {
        tracing::info!(
            experiments = vacuumed.experiments,
            jobs = vacuumed.jobs,
            postponed = vacuumed.postponed,
            runs_pruned = pruned,
            "retention sweep"
        );
    }
    Ok(())
}
