//! A batch's results written in groups: one script per group of at most
//! `MAX_GROUP` results (`WorkerStore::write_results`), as the online path's result
//! writer groups them. The store keeps the first result of a record and counts
//! only what it keeps, so a part whose answers are written again (its batch polled
//! once more by a worker that resumed the experiment) writes nothing twice.

use tally_core::dataset::DatasetRecord;
use tally_core::run::{ExperimentRecord, RecordError, RecordResult};
use tally_store::ResultWrite;

use super::BATCH_FAILED;
use crate::context::Context;
use crate::group_commit::MAX_GROUP;
use crate::jobs::JobError;
use crate::observe;
use crate::record;

/// Writes `results` in groups of at most `MAX_GROUP`; those the store kept count in
/// the worker's metrics and against the spend cap, as an online record's do.
pub async fn write(
    context: &Context,
    experiment: &ExperimentRecord,
    results: &[RecordResult],
) -> Result<(), JobError> {
    for group in results.chunks(MAX_GROUP) {
        let writes = group
            .iter()
            .map(|result| ResultWrite::new(result, None))
            .collect::<Result<Vec<_>, _>>()?;
        let (kept, _progress) = context
            .store
            .write_results(&experiment.experiment_id, &writes)
            .await?;
        let kept: Vec<&RecordResult> = group
            .iter()
            .zip(kept)
            .filter_map(|(result, kept)| kept.then_some(result))
            .collect();
        for result in &kept {
            observe::written(context, experiment, result);
        }
        if let Some(cap) = &context.spend {
            cap.count(&kept).await;
        }
    }
    Ok(())
}

/// `record`'s result when its batch could not answer it, with `reason`.
pub fn failed(context: &Context, record: &DatasetRecord, reason: &str) -> RecordResult {
    record::failed_result(
        &context.name,
        record,
        RecordError {
            kind: BATCH_FAILED.to_string(),
            message: reason.to_string(),
        },
    )
}
