//! `finalize`: makes an experiment final with its summary, then completes the run
//! when every experiment of it is final.
//!
//! The summary comes from the experiment's running totals (`ResultTotals`, kept by
//! the grouped result writes, `write_results`): one small read, whatever the number
//! of records. Only an experiment with several trials reads its results, for the
//! agreement across trials.
//!
//! Both steps are guarded transitions in the store (a final experiment or run never
//! changes again), and the second runs on every invocation: if a worker dies between
//! them, the re-executed job completes the run. A final run is then retired (its
//! keys get the retention time-to-live, its job bookkeeping is queued for vacuum),
//! again on every invocation until it is.

use std::sync::Arc;

use apalis::prelude::Data;
use tally_core::contract::ExperimentStatus;
use tally_core::run::{
    ExperimentId, ResultTotals, RunId, RunRecord, SummaryContext, assemble_response,
    summarize_totals, summarize_trials,
};
use tally_store::jobs::FinalizeJob;
use tally_store::{ExperimentView, VacuumEntry};

use super::JobError;
use crate::context::Context;

pub async fn handle(job: FinalizeJob, context: Data<Arc<Context>>) -> Result<(), JobError> {
    let _running = context.running.enter();
    finalize(&context, &job.experiment_id).await
}

/// Queues the finalize job of an experiment that ended (complete, stopped or
/// cancelled), and finalizes it here at once when it is `complete`, instead of after
/// another worker's fetch of the job (at once when it hears the push, at its next
/// poll when it does not, `TALLY_QUEUE_POLL_MS`). The job stays queued as the backstop, should
/// this worker die first; finalize is idempotent (guarded transitions), so the job,
/// the sweep or another hand finalizing too changes nothing. A stopped experiment
/// that is not complete is left to the job: calls still in flight in other chunks
/// get time to write their results before its summary is taken.
pub async fn ended(
    context: &Context,
    experiment_id: &ExperimentId,
    complete: bool,
) -> Result<(), JobError> {
    context
        .store
        .queues()
        .push_finalize(FinalizeJob {
            experiment_id: experiment_id.clone(),
        })
        .await?;
    if complete {
        finalize(context, experiment_id).await?;
    }
    Ok(())
}

/// What a finalize job does; the sweep calls it too, for an experiment whose
/// finalize job never ran (`stuck_runs`).
pub async fn finalize(context: &Context, experiment_id: &ExperimentId) -> Result<(), JobError> {
    let Some(view) = context.store.experiment(experiment_id).await? else {
        tracing::warn!(%experiment_id, "finalize of an unknown experiment dropped");
        return Ok(());
    };
    let run_id = view.record.run_id.clone();
    if view.phase.final_status().is_none() {
        finish_experiment(context, &view).await?;
    }
    complete_run_if_done(context, &run_id).await
}

async fn finish_experiment(context: &Context, view: &ExperimentView) -> Result<(), JobError> {
    let experiment = &view.record;
    let cancelled = context
        .store
        .run(&experiment.run_id)
        .await?
        .is_some_and(|run| run.cancel_requested);
    let totals = totals(context, view).await?;
    let succeeded = totals.succeeded();
    let (status, error) = if cancelled {
        (
            ExperimentStatus::Cancelled,
            Some("the run was cancelled".to_string()),
        )
    } else if let Some(reason) = &view.aborted {
        (ExperimentStatus::Failed, Some(reason.clone()))
    } else if !view.progress.is_complete() {
        // Only pushed when complete, stopped or cancelled; nothing to do otherwise.
        tracing::warn!(experiment_id = %experiment.experiment_id, "finalize before the experiment is complete ignored");
        return Ok(());
    } else if succeeded == 0 && experiment.total > 0 {
        (
            ExperimentStatus::Failed,
            Some("every record failed".to_string()),
        )
    } else {
        (ExperimentStatus::Success, None)
    };
    let summary_context = SummaryContext {
        urls: &context.urls,
        status,
        error,
    };
    // Agreement across trials compares each record's answers: that reads the results.
    let trials = if experiment.trials > 1 && experiment.retry.is_none() {
        let results = context.store.all_results(&experiment.experiment_id).await?;
        summarize_trials(experiment, &results)
    } else {
        None
    };
    let summary = summarize_totals(experiment, &totals, trials, &summary_context);
    if context
        .store
        .finish_experiment(&experiment.experiment_id, &summary)
        .await?
    {
        context
            .metrics
            .experiments_finalized
            .with_label_values(&[phase_label(status)])
            .inc();
        tracing::info!(run_id = %experiment.run_id, experiment_id = %experiment.experiment_id,
            status = phase_label(status), overall_accuracy = summary.overall_accuracy,
            success_rate = summary.success_rate, "experiment final");
    }
    Ok(())
}

/// The experiment's running totals; read from every result instead when they do not
/// count every stored result (results written before the totals were kept).
async fn totals(context: &Context, view: &ExperimentView) -> Result<ResultTotals, JobError> {
    let experiment = &view.record.experiment_id;
    let totals = context.store.result_totals(experiment).await?;
    if totals.results() == view.progress.done {
        return Ok(totals);
    }
    tracing::warn!(%experiment, counted = totals.results(), done = view.progress.done,
        "the running totals miss results: summarising from every result");
    let results = context.store.all_results(experiment).await?;
    Ok(ResultTotals::from_results(&results))
}

async fn complete_run_if_done(context: &Context, run_id: &RunId) -> Result<(), JobError> {
    let Some(run) = context.store.run(run_id).await? else {
        return Ok(());
    };
    if run.status.is_final() {
        queue_export(context, run_id).await?;
        return retire(context, &run.record).await;
    }
    let views = context.store.experiments(&run.record.experiments).await?;
    let summaries: Option<Vec<_>> = views
        .into_iter()
        .map(|view| view.and_then(|view| view.summary))
        .collect();
    let Some(summaries) = summaries else {
        return Ok(()); // some experiment is not final yet
    };
    let (status, response) = assemble_response(&run.record, summaries, &context.urls);
    if context
        .store
        .complete_run(run_id, status, &response)
        .await?
    {
        tracing::info!(%run_id, %status, message = %response.message, "run final");
        queue_export(context, run_id).await?;
        retire(context, &run.record).await?;
    }
    Ok(())
}

/// Puts a final run in the Datadog outbox when it is exported (the server has
/// Datadog keys, or the run brought its own); a no-op once queued or exported, so
/// every re-executed finalize may call it.
async fn queue_export(context: &Context, run_id: &RunId) -> Result<(), JobError> {
    if let Some(datadog) = &context.datadog
        && datadog.exports(&context.store, run_id).await?
    {
        context.store.enqueue_export(run_id).await?;
    }
    Ok(())
}

/// Starts the retention of a final run, unless that was done already.
async fn retire(context: &Context, run: &RunRecord) -> Result<(), JobError> {
    if context.store.is_retired(&run.run_id).await? {
        return Ok(());
    }
    let views = context.store.experiments(&run.experiments).await?;
    let entries: Vec<VacuumEntry> = views
        .into_iter()
        .flatten()
        .map(|view| VacuumEntry {
            chunks: view.record.chunk_count(),
            experiment: view.record.experiment_id,
        })
        .collect();
    context
        .store
        .retire_run(run, &entries, context.retention)
        .await?;
    tracing::info!(run_id = %run.run_id, retention_days = context.retention.as_secs() / 86_400,
        "run retired: its keys expire after the retention period");
    Ok(())
}

fn phase_label(status: ExperimentStatus) -> &'static str {
    match status {
        ExperimentStatus::Success => "success",
        ExperimentStatus::Failed => "failed",
        ExperimentStatus::Cancelled => "cancelled",
    }
}
