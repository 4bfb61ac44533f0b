//! Runs that stay `running` although an experiment of theirs is ready to be
//! finalized (complete, stopped, or its run cancelled) or every experiment is final.
//!
//! The chunk that completed them did not finalize them (its worker died after its
//! last write), and the finalize job it pushed never ran. Seen on loaded machines: a
//! push lands in the finalize queue's `scheduled` set, and only a worker's poll moves
//! it to `active`; a process whose apalis poller stalled leaves it there, and the
//! job's idempotency key keeps a second push out. The sweep then does the finalize
//! job's work itself. Its writes are guarded transitions (a final experiment or run
//! never changes), so the job running later changes nothing; still, an experiment is
//! finalized here only once it looked ready on two sweeps in a row, so a healthy
//! finalize job always gets a sweep interval to do it first.

use std::collections::HashSet;

use tally_core::contract::RunStatus;
use tally_core::run::ExperimentId;
use tally_store::RunFilter;

use crate::context::Context;
use crate::jobs::JobError;
use crate::jobs::finalize::finalize;

/// Running runs looked at per sweep.
const BATCH: usize = 100;

/// What the previous sweep saw: the experiments that were ready and not final.
#[derive(Debug, Default)]
pub struct StuckRuns {
    suspects: HashSet<ExperimentId>,
}

impl StuckRuns {
    /// Finalizes the experiments that were ready but not final at the previous call
    /// and still are; returns how many. The others ready now are remembered.
    pub async fn sweep(&mut self, context: &Context) -> Result<usize, JobError> {
        let ready = ready_experiments(context).await?;
        let mut finalized = 0;
        for experiment in ready.iter().filter(|e| self.suspects.contains(*e)) {
            tracing::warn!(experiment_id = %experiment,
                "experiment ready but not finalized since the last sweep: finalizing it here");
            finalize(context, experiment).await?;
            finalized += 1;
        }
        self.suspects = ready;
        Ok(finalized)
    }
}

/// Per running run: its experiments that are ready and not final, or, when every
/// experiment is final, its first one (finalizing it completes the run).
async fn ready_experiments(context: &Context) -> Result<HashSet<ExperimentId>, JobError> {
    let filter = RunFilter {
        status: Some(RunStatus::Running),
        schedule: None,
    };
    let runs = context.store.list_runs(&filter, 0, BATCH).await?;
    let mut ready = HashSet::new();
    for run in runs {
        let views = context.store.experiments(&run.record.experiments).await?;
        let open: Vec<_> = views
            .into_iter()
            .flatten()
            .filter(|view| view.phase.final_status().is_none())
            .collect();
        if open.is_empty() {
            ready.extend(run.record.experiments.first().cloned());
            continue;
        }
        ready.extend(
            open.into_iter()
                .filter(|view| {
                    view.progress.is_complete() || view.aborted.is_some() || run.cancel_requested
                })
                .map(|view| view.record.experiment_id),
        );
    }
    Ok(ready)
}
