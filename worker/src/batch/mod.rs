//! Batch execution (`"execution": "batch"`): an experiment's records go to Gemini's
//! batch mode instead of one online call each. Run by the experiment's `plan` job,
//! which stays with the experiment until its batches are answered.
//!
//! 1. The sample is split into parts whose inline requests stay under the 20 MB
//!    limit (`p0`, `p1`, …; the split depends only on the sample, so a resumed
//!    experiment finds the same parts). A part whose records all have results is
//!    done.
//! 2. Each part's batch is named `tally/{experiment}/{part}`. Creation is not
//!    idempotent: a part with no recorded batch is first looked up by that name
//!    (a worker may have died between creating it and recording it), and only
//!    created when none exists; its name is recorded right after. A worker that
//!    resumes the experiment therefore polls the batches already created. A part
//!    sent as a file names its upload the same way; a file left by a worker that
//!    died before creating the batch is reused or deleted (`BatchClient::input_file`).
//!    The file is uploaded in chunks made from the part's lines as they are sent.
//! 3. Batches are polled with backoff; the experiment's status shows "batch
//!    submitted / running / n of m answered". A cancelled run cancels them.
//! 4. A succeeded batch's answers are mapped back by key, scored like online
//!    answers (`record::scored`) and written in groups (`results`: once per
//!    record), priced at batch rates. An expired batch's unfinished records are
//!    submitted once more (part `{part}-r`); a second expiry, a failed or a
//!    cancelled batch leaves them failed.
//! 5. Once a batch is final and settled, or its run cancelled, its input file
//!    (named by what was recorded with the batch; looked up by the part's display
//!    name when nothing was) and its responses file are deleted (`discard_files`; a
//!    file already gone is fine, a failure is logged and the file expires in 48
//!    hours).

mod parts;
mod poll;
mod results;

use tally_core::dataset::DatasetRecord;
use tally_core::run::ExperimentRecord;

use crate::context::Context;
use crate::jobs::{JobError, finalize};

/// The error kind of a record its batch could not answer.
pub const BATCH_FAILED: &str = "batch_failed";

/// Runs a batch-mode experiment to the end (or resumes it), then finalizes it
/// (`finalize::ended`).
pub async fn run(context: &Context, experiment: &ExperimentRecord) -> Result<(), JobError> {
    let records = sample(context, experiment).await?;
    match context.batches.as_deref() {
        Some(client) => poll::run(context, client, experiment, &records).await?,
        None => {
            let reason =
                "batch execution needs the Gemini Developer API (GEMINI_BACKEND=developer)";
            let failed: Vec<_> = records
                .iter()
                .map(|r| results::failed(context, r, reason))
                .collect();
            results::write(context, experiment, &failed).await?;
        }
    }
    let id = &experiment.experiment_id;
    // Complete unless the run was cancelled while its batches ran.
    let complete = context
        .store
        .experiment(id)
        .await?
        .is_some_and(|view| view.progress.is_complete());
    finalize::ended(context, id, complete).await
}

/// The experiment's records: its sample, or a retry's positions in it.
async fn sample(
    context: &Context,
    experiment: &ExperimentRecord,
) -> Result<Vec<DatasetRecord>, JobError> {
    let (name, hash) = (&experiment.dataset.name, &experiment.dataset.content_hash);
    Ok(match &experiment.retry {
        Some(scope) => {
            context
                .store
                .dataset_records_at(name, hash, &scope.indices)
                .await?
        }
        None => {
            context
                .store
                .dataset_record_range(name, hash, 0, experiment.total)
                .await?
        }
    })
}
