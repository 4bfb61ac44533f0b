//! `plan`: starts an experiment by enqueueing its first `WINDOW` chunks — or, for a
//! batch-mode experiment, runs its batches (`crate::batch`).

use std::sync::Arc;

use apalis::prelude::Data;
use tally_core::contract::Execution;
use tally_store::jobs::{ChunkJob, PlanJob};

use super::{JobError, WINDOW, finalize};
use crate::context::Context;

pub async fn handle(job: PlanJob, context: Data<Arc<Context>>) -> Result<(), JobError> {
    let _running = context.running.enter();
    let Some(experiment) = context.experiment_record(&job.experiment_id).await? else {
        tracing::warn!(experiment_id = %job.experiment_id, "plan for an unknown experiment dropped");
        return Ok(());
    };
    if experiment.execution == Execution::Batch {
        return crate::batch::run(&context, &experiment).await;
    }
    let chunks = experiment.chunk_count();
    tracing::info!(run_id = %experiment.run_id, experiment_id = %job.experiment_id,
        records = experiment.total, trials = experiment.trials, chunks, "planning experiment");
    if chunks == 0 {
        // Nothing to run (a retry of an experiment whose records all succeeded):
        // complete as planned.
        return finalize::ended(&context, &job.experiment_id, true).await;
    }
    let first: Vec<ChunkJob> = (0..chunks.min(WINDOW))
        .map(|chunk| ChunkJob {
            experiment_id: job.experiment_id.clone(),
            chunk,
        })
        .collect();
    context.store.queues().push_chunks(first).await?;
    Ok(())
}
