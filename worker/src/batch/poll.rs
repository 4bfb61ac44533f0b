//! Creating (or finding again) each part's batch, polling them with backoff,
//! writing their answers, then deleting the batch's input and responses files (a
//! cancelled run's batches: their input files).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use tally_core::dataset::DatasetRecord;
use tally_core::run::{BatchInput, BatchProgress, ExperimentRecord};
use tally_gemini::batch::{BatchClient, BatchError, BatchJob, BatchState, RequestLine};
use tally_store::RecordedBatch;

use super::parts::{self, Parts, display_name};
use super::results::{self, failed};
use crate::context::Context;
use crate::jobs::JobError;
use crate::record;

const FIRST_POLL: Duration = Duration::from_millis(200);
const LONGEST_POLL: Duration = Duration::from_secs(30);

/// A part's batch being waited for: its records' keys only (their request lines
/// are dropped once sent).
struct Waiting {
    part: String,
    name: String,
    /// What the batch was created from (`None`: not recorded, see `RecordedBatch`).
    input: Option<BatchInput>,
    keys: Vec<String>,
    latest: Option<BatchJob>,
}

impl Waiting {
    fn new(part: String, batch: RecordedBatch, lines: Vec<RequestLine>) -> Waiting {
        Waiting {
            part,
            name: batch.name,
            input: batch.input,
            keys: lines.into_iter().map(|l| l.key).collect(),
            latest: None,
        }
    }
}

pub async fn run(
    context: &Context,
    client: &BatchClient,
    experiment: &ExperimentRecord,
    records: &[DatasetRecord],
) -> Result<(), JobError> {
    let id = &experiment.experiment_id;
    let by_id: HashMap<&str, &DatasetRecord> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let done: HashSet<String> = context
        .store
        .all_results(id)
        .await?
        .into_iter()
        .map(|r| r.record_id)
        .collect();
    let mut batches = context.store.recorded_batches(id).await?;
    let mut waiting = Vec::new();
    let mut parts = Parts::new(context, experiment, records);
    while let Some(part) = parts.next().await {
        fail_unsendable(context, experiment, &by_id, &part.unsendable).await?;
        let lines: Vec<RequestLine> = part
            .lines
            .into_iter()
            .filter(|l| !done.contains(&l.key))
            .collect();
        if lines.is_empty() {
            continue;
        }
        // An expired part resubmitted earlier: wait for the resubmission instead.
        let retried = format!("{}-r", part.name);
        let part_name = if batches.contains_key(&retried) {
            retried
        } else {
            part.name
        };
        let Some(batch) = submitted(
            context,
            client,
            experiment,
            &by_id,
            &mut batches,
            &part_name,
            &lines,
        )
        .await?
        else {
            continue;
        };
        waiting.push(Waiting::new(part_name, batch, lines));
    }

    context
        .store
        .start_batch_experiment(&experiment.run_id, id)
        .await?;
    // Requests of batches already settled, for the progress shown.
    let mut settled = 0;
    let mut delay = FIRST_POLL;
    while !waiting.is_empty() {
        if context.store.run_cancelled(&experiment.run_id).await? {
            for batch in &waiting {
                if let Err(error) = client.cancel(&batch.name).await {
                    tracing::warn!(batch = %batch.name, %error, "cancelling a batch failed");
                }
            }
            show(context, experiment, &waiting, settled, "cancelled").await?;
            // Their answers will not be read: their input files are not needed (a
            // batch not final at its last poll has no responses file).
            for batch in &waiting {
                let shown = display_name(experiment, &batch.part);
                client
                    .discard_files(&shown, batch.input.as_ref(), None)
                    .await;
            }
            return Ok(());
        }
        let mut still = Vec::new();
        for mut batch in waiting {
            match client.get(&batch.name).await {
                Ok(job) if job.state.is_final() => {
                    let count = batch.keys.len() as u64;
                    let shown = display_name(experiment, &batch.part);
                    let input = batch.input.clone();
                    let responses = job.responses_file.clone();
                    match settle(
                        context,
                        client,
                        experiment,
                        &by_id,
                        &mut batches,
                        batch,
                        job,
                    )
                    .await?
                    {
                        Some(next) => still.push(next),
                        None => settled += count,
                    }
                    // Its answers are stored (or its records resubmitted): the
                    // batch's files are no longer needed.
                    client
                        .discard_files(&shown, input.as_ref(), responses.as_deref())
                        .await;
                }
                Ok(job) => {
                    batch.latest = Some(job);
                    still.push(batch);
                }
                Err(error) if error.transient => {
                    tracing::warn!(batch = %batch.name, %error, "polling a batch failed; trying again");
                    still.push(batch);
                }
                Err(error) => {
                    let reason = format!("batch {} cannot be read: {error}", batch.name);
                    fail_keys(context, experiment, &by_id, &batch.keys, &reason).await?;
                    settled += batch.keys.len() as u64;
                }
            }
        }
        waiting = still;
        let running = waiting.iter().any(|b| {
            b.latest
                .as_ref()
                .is_some_and(|j| j.state == BatchState::Running)
        });
        let state = if waiting.is_empty() {
            "answered"
        } else if running {
            "running"
        } else {
            "submitted"
        };
        show(context, experiment, &waiting, settled, state).await?;
        if !waiting.is_empty() {
            tokio::time::sleep(delay).await;
            delay = (delay * 3 / 2).min(LONGEST_POLL);
        }
    }
    Ok(())
}

/// The part's batch: the recorded one, else one found by its display name (created
/// by a worker that died before recording it; what it was created from is then
/// not known), else a new one — recorded at once, with its input.
async fn submitted(
    context: &Context,
    client: &BatchClient,
    experiment: &ExperimentRecord,
    by_id: &HashMap<&str, &DatasetRecord>,
    batches: &mut BTreeMap<String, RecordedBatch>,
    part: &str,
    lines: &[RequestLine],
) -> Result<Option<RecordedBatch>, JobError> {
    if let Some(batch) = batches.get(part) {
        return Ok(Some(batch.clone()));
    }
    let shown = display_name(experiment, part);
    let mut delay = FIRST_POLL;
    let (job, input) = loop {
        let attempt: Result<(BatchJob, Option<BatchInput>), BatchError> =
            match client.find(&shown).await {
                Ok(Some(found)) => Ok((found, None)),
                Ok(None) => client
                    .create(experiment.config.model.as_str(), &shown, lines)
                    .await
                    .map(|created| (created.job, Some(created.input))),
                Err(error) => Err(error),
            };
        match attempt {
            Ok(submitted) => break submitted,
            Err(error) if error.transient => {
                tracing::warn!(display_name = %shown, %error, "creating a batch failed; trying again");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(LONGEST_POLL);
            }
            Err(error) => {
                // Refused for good (a request the service will not take): the
                // part's records fail with the service's reason.
                let reason = format!("the batch was refused: {error}");
                let keys: Vec<String> = lines.iter().map(|l| l.key.clone()).collect();
                fail_keys(context, experiment, by_id, &keys, &reason).await?;
                return Ok(None);
            }
        }
    };
    context
        .store
        .record_batch(&experiment.experiment_id, part, &job.name, input.as_ref())
        .await?;
    tracing::info!(batch = %job.name, display_name = %shown, requests = lines.len(), "batch submitted");
    let batch = RecordedBatch {
        name: job.name,
        input,
    };
    batches.insert(part.to_string(), batch.clone());
    Ok(Some(batch))
}

/// A finished batch: its answers written, or (expired, first time) its records
/// submitted once more — returned to wait for.
async fn settle(
    context: &Context,
    client: &BatchClient,
    experiment: &ExperimentRecord,
    by_id: &HashMap<&str, &DatasetRecord>,
    batches: &mut BTreeMap<String, RecordedBatch>,
    batch: Waiting,
    job: BatchJob,
) -> Result<Option<Waiting>, JobError> {
    let id = &experiment.experiment_id;
    match job.state {
        BatchState::Succeeded => {
            let model = experiment.config.model.as_str();
            let mut answered = HashSet::new();
            let mut scored = Vec::with_capacity(job.answers.len());
            for (key, answer) in &job.answers {
                if let Some(record) = by_id.get(key.as_str()) {
                    let call = client.extraction(model, answer);
                    scored.push(record::scored(&context.name, record, call));
                    answered.insert(key.as_str());
                }
            }
            results::write(context, experiment, &scored).await?;
            let first_failed = scored.iter().find(|r| r.error.is_some());
            if let Some(key) = first_failed.map(|r| &r.record_id)
                && experiment.raise_errors
            {
                let reason = format!("record {key} failed and raise_errors is set");
                context.store.abort_experiment(id, &reason).await?;
            }
            let missing: Vec<String> = batch
                .keys
                .into_iter()
                .filter(|key| !answered.contains(key.as_str()))
                .collect();
            let reason = format!("batch {} returned no answer for this record", job.name);
            fail_keys(context, experiment, by_id, &missing, &reason).await?;
            Ok(None)
        }
        BatchState::Expired if !batch.part.ends_with("-r") => {
            let part = format!("{}-r", batch.part);
            tracing::warn!(batch = %job.name, "batch expired; submitting its records once more");
            let records: Vec<&DatasetRecord> = batch
                .keys
                .iter()
                .filter_map(|key| by_id.get(key.as_str()).copied())
                .collect();
            let (lines, unsendable) = parts::lines_of(context, experiment, &records).await;
            fail_unsendable(context, experiment, by_id, &unsendable).await?;
            if lines.is_empty() {
                return Ok(None);
            }
            let batch =
                submitted(context, client, experiment, by_id, batches, &part, &lines).await?;
            Ok(batch.map(|batch| Waiting::new(part, batch, lines)))
        }
        state => {
            let reason = format!("batch {} ended {}", job.name, state.as_str());
            fail_keys(context, experiment, by_id, &batch.keys, &reason).await?;
            Ok(None)
        }
    }
}

/// Writes the records of `keys` as failed with `reason`.
async fn fail_keys(
    context: &Context,
    experiment: &ExperimentRecord,
    by_id: &HashMap<&str, &DatasetRecord>,
    keys: &[String],
    reason: &str,
) -> Result<(), JobError> {
    let failures: Vec<_> = keys
        .iter()
        .filter_map(|key| by_id.get(key.as_str()))
        .map(|record| failed(context, record, reason))
        .collect();
    results::write(context, experiment, &failures).await
}

/// Writes each record whose request could not be built as failed, with its reason.
async fn fail_unsendable(
    context: &Context,
    experiment: &ExperimentRecord,
    by_id: &HashMap<&str, &DatasetRecord>,
    unsendable: &[(String, String)],
) -> Result<(), JobError> {
    let failures: Vec<_> = unsendable
        .iter()
        .filter_map(|(record_id, reason)| {
            Some(failed(context, by_id.get(record_id.as_str())?, reason))
        })
        .collect();
    results::write(context, experiment, &failures).await
}

/// Writes the progress the experiment's status shows.
async fn show(
    context: &Context,
    experiment: &ExperimentRecord,
    waiting: &[Waiting],
    settled: u64,
    state: &str,
) -> Result<(), JobError> {
    let names = context
        .store
        .recorded_batches(&experiment.experiment_id)
        .await?;
    let submitted = settled + waiting.iter().map(|b| b.keys.len() as u64).sum::<u64>();
    let answered = settled
        + waiting
            .iter()
            .map(|b| b.latest.as_ref().map_or(0, |j| j.finished))
            .sum::<u64>();
    let progress = BatchProgress {
        state: state.to_string(),
        batches: names.len() as u32,
        answered,
        submitted,
    };
    context
        .store
        .set_batch_progress(&experiment.experiment_id, &progress)
        .await?;
    Ok(())
}
