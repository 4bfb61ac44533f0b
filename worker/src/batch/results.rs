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
use crate::record;

/// Writes `results` in groups of at most `MAX_GROUP`.
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
        context
            .store
            .write_results(&experiment.experiment_id, &writes)
            .await?;
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
