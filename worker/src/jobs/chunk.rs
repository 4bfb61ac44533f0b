//! `chunk`: the units (record × trial) of one chunk, each through the call limits'
//! start (`begin_records`) → model call → evaluators → the result writer
//! (`write_results`); both store steps are grouped with the process's other records.
//!
//! Steps:
//! 1. read the records of the chunk's units (`ExperimentRecord::chunk_units`: one
//!    `LRANGE`; a retry reads its positions in one pipeline);
//! 2. run the units concurrently (the call limits cap model calls per experiment
//!    across the cluster, and per process); each unit is skipped when it has a
//!    result already, or when the run was cancelled or the experiment stopped; a
//!    unit started too often is given up on;
//! 3. a failed record of a `raise_errors` experiment stops the experiment, and so
//!    does a used-up daily quota when the request says `on_daily_quota: "fail"`;
//! 4. enqueue the chunk `WINDOW` places on (if any), and `finalize` when the
//!    experiment is complete, stopped or cancelled; a complete one is finalized at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use apalis::prelude::Data;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tally_core::dataset::DatasetRecord;
use tally_core::run::{ExperimentRecord, RecordStatus, Unit, result_key};
use tally_store::ResultWrite;
use tally_store::jobs::ChunkJob;
use tracing::Instrument;

use super::finalize;
use super::{JobError, WINDOW};
use crate::context::Context;
use crate::daily_quota;
use crate::limits::Begun;
use crate::observe;
use crate::record::{self, MAX_RECORD_STARTS};

pub async fn handle(job: ChunkJob, context: Data<Arc<Context>>) -> Result<(), JobError> {
    let _running = context.running.enter();
    let Some(experiment) = context.experiment_record(&job.experiment_id).await? else {
        tracing::warn!(experiment_id = %job.experiment_id, "chunk of an unknown experiment dropped");
        return Ok(());
    };
    let units = experiment.chunk_units(job.chunk);
    let records = chunk_records(&context, &experiment, &units).await?;

    let mut pending: FuturesUnordered<_> = units
        .iter()
        .filter_map(|unit| {
            let record = records.get(&unit.position)?;
            let span = tracing::info_span!("record", run_id = %experiment.run_id,
                experiment_id = %experiment.experiment_id, record_id = %record.id,
                trial = unit.trial);
            Some(process(&context, &experiment, record, unit.trial).instrument(span))
        })
        .collect();
    let mut stopped = false;
    while let Some(outcome) = pending.next().await {
        stopped |= outcome? == Processed::Stopped;
    }
    drop(pending);

    let view = context.store.experiment(&job.experiment_id).await?;
    // A chunk re-executed after its experiment ended (and its job bookkeeping was
    // vacuumed) must not start the chain of later chunks again.
    let ended = view
        .as_ref()
        .is_none_or(|view| view.phase.final_status().is_some());
    let next = job.chunk + WINDOW;
    if !stopped && !ended && next < experiment.chunk_count() {
        let job = ChunkJob {
            experiment_id: job.experiment_id.clone(),
            chunk: next,
        };
        context.store.queues().push_chunks(vec![job]).await?;
    }
    let complete = view
        .as_ref()
        .is_some_and(|view| view.progress.is_complete());
    let aborted = view.is_some_and(|view| view.aborted.is_some());
    if stopped || aborted || complete {
        finalize::ended(&context, &job.experiment_id, complete).await?;
    }
    Ok(())
}

/// The dataset records of a chunk's units by sample position: a record's trials
/// share one read.
async fn chunk_records(
    context: &Context,
    experiment: &ExperimentRecord,
    units: &[Unit],
) -> Result<BTreeMap<u64, DatasetRecord>, JobError> {
    let (name, hash) = (&experiment.dataset.name, &experiment.dataset.content_hash);
    let positions: BTreeSet<u64> = units.iter().map(|unit| unit.position).collect();
    let records = match (&experiment.retry, positions.first(), positions.last()) {
        (_, None, _) | (_, _, None) => Vec::new(),
        // A retry's positions are scattered over the sample.
        (Some(_), _, _) => {
            let positions: Vec<u64> = positions.iter().copied().collect();
            context
                .store
                .dataset_records_at(name, hash, &positions)
                .await?
        }
        // The units of a first run are consecutive: one range of the sample.
        (None, Some(&first), Some(&last)) => {
            context
                .store
                .dataset_record_range(name, hash, first, last + 1)
                .await?
        }
    };
    Ok(positions.into_iter().zip(records).collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Processed {
    Written,
    Skipped,
    /// The run was cancelled or the experiment stopped: the rest is not processed.
    Stopped,
}

async fn process(
    context: &Context,
    experiment: &ExperimentRecord,
    record: &DatasetRecord,
    trial: u32,
) -> Result<Processed, JobError> {
    // The permits come first, so the cancel / stop check in `begin` is made right
    // before the call, not before a wait for a permit.
    let key = result_key(&record.id, trial);
    let (attempt, permit) = match context.limits.begin(experiment, &key).await? {
        Begun::AlreadyDone => return Ok(Processed::Skipped),
        Begun::Cancelled | Begun::Stopped => return Ok(Processed::Stopped),
        Begun::Proceed { attempt, permit } => (attempt, permit),
    };
    let result = if attempt > MAX_RECORD_STARTS {
        record::abandoned(&context.name, record, trial, attempt - 1)
    } else {
        let model = experiment.config.model.as_str();
        let reserved = match &context.spend {
            Some(cap) => cap.admit(model).await,
            None => 0,
        };
        let result = daily_quota::execute(context, experiment, record, trial).await;
        if let Some(cap) = &context.spend {
            cap.settle(model, reserved, &result).await;
        }
        result
    };
    // A failure that stops the experiment keeps its lease until the stop is written:
    // with `jobs = 1`, no record starts before the previous one's outcome is known.
    let quota_stop = daily_quota::stops_experiment(experiment, &result);
    let stops = quota_stop || (result.status == RecordStatus::Failed && experiment.raise_errors);
    let id = &experiment.experiment_id;
    let (written, _progress) = if stops {
        context.store.write_result(id, &result, None).await?
    } else {
        let write = ResultWrite::new(&result, Some(permit.lease()))?;
        context.results.submit(id, write).await?
    };
    let held = if stops {
        Some(permit)
    } else {
        permit.returned();
        None
    };
    if !written {
        return Ok(Processed::Skipped);
    }
    observe::written(context, experiment, &result);
    let Some(permit) = held else {
        return Ok(Processed::Written);
    };
    let message = result
        .error
        .as_ref()
        .map_or("unknown error", |e| e.message.as_str());
    let reason = if quota_stop {
        message.to_string()
    } else {
        let trial = match result.trial {
            0 => String::new(),
            trial => format!(" (trial {trial})"),
        };
        format!(
            "record {}{trial} failed and raise_errors is set: {message}",
            result.record_id
        )
    };
    if context
        .store
        .abort_experiment(&experiment.experiment_id, &reason)
        .await?
    {
        tracing::warn!(%reason, "experiment stopped");
    }
    permit.release().await?;
    Ok(Processed::Stopped)
}
