//! Creating (or finding again) each part's batch, polling them with backoff,
//! writing their answers, then deleting the batch's input and responses files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use tally_core::dataset::DatasetRecord;
use tally_core::run::{BatchProgress, ExperimentRecord};
use tally_gemini::batch::{BatchClient, BatchError, BatchJob, BatchState, RequestLine};

use super::fail;
use super::parts::{self, Parts, display_name};
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
    keys: Vec<String>,
    latest: Option<BatchJob>,
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
    let mut names = context.store.batch_names(id).await?;
    let mut waiting = Vec::new();
    let mut parts = Parts::new(context, experiment, records);
    while let Some(part) = parts.next().await {
        for (record_id, reason) in &part.unsendable {
            fail_keys(
                context,
                experiment,
                &by_id,
                std::slice::from_ref(record_id),
                reason,
            )
            .await?;
        }
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
        let part_name = if names.contains_key(&retried) {
            retried
        } else {
            part.name
        };
        let Some(name) = submitted(
            context, client, experiment, &by_id, &mut names, &part_name, &lines,
        )
        .await?
        else {
            continue;
        };
        waiting.push(Waiting {
            part: part_name,
            name,
            keys: lines.into_iter().map(|l| l.key).collect(),
            latest: None,
        });
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
            return Ok(());
        }
        let mut still = Vec::new();
        for mut batch in waiting {
            match client.get(&batch.name).await {
                Ok(job) if job.state.is_final() => {
                    let count = batch.keys.len() as u64;
                    let shown = display_name(experiment, &batch.part);
                    let responses = job.responses_file.clone();
                    match settle(context, client, experiment, &by_id, &mut names, batch, job)
                        .await?
                    {
                        Some(next) => still.push(next),
                        None => settled += count,
                    }
                    // Its answers are stored (or its records resubmitted): the
                    // batch's files are no longer needed.
                    client.discard_files(&shown, responses.as_deref()).await;
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
/// by a worker that died before recording it), else a new one — recorded at once.
async fn submitted(
    context: &Context,
    client: &BatchClient,
    experiment: &ExperimentRecord,
    by_id: &HashMap<&str, &DatasetRecord>,
    names: &mut BTreeMap<String, String>,
    part: &str,
    lines: &[RequestLine],
) -> Result<Option<String>, JobError> {
    if let Some(name) = names.get(part) {
        return Ok(Some(name.clone()));
    }
    let shown = display_name(experiment, part);
    let mut delay = FIRST_POLL;
    let job = loop {
        let attempt: Result<BatchJob, BatchError> = match client.find(&shown).await {
            Ok(Some(found)) => Ok(found),
            Ok(None) => {
                client
                    .create(experiment.config.model.as_str(), &shown, lines)
                    .await
            }
            Err(error) => Err(error),
        };
        match attempt {
            Ok(job) => break job,
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
        .record_batch(&experiment.experiment_id, part, &job.name)
        .await?;
    tracing::info!(batch = %job.name, display_name = %shown, requests = lines.len(), "batch submitted");
    names.insert(part.to_string(), job.name.clone());
    Ok(Some(job.name))
}

/// A finished batch: its answers written, or (expired, first time) its records
/// submitted once more — returned to wait for.
async fn settle(
    context: &Context,
    client: &BatchClient,
    experiment: &ExperimentRecord,
    by_id: &HashMap<&str, &DatasetRecord>,
    names: &mut BTreeMap<String, String>,
    batch: Waiting,
    job: BatchJob,
) -> Result<Option<Waiting>, JobError> {
    let id = &experiment.experiment_id;
    match job.state {
        BatchState::Succeeded => {
            let model = experiment.config.model.as_str();
            let mut answered = HashSet::new();
            for (key, answer) in &job.answers {
                let Some(record) = by_id.get(key.as_str()) else {
                    continue;
                };
                let result =
                    record::scored(&context.name, record, client.extraction(model, answer));
                let failed = result.error.is_some();
                context.store.write_result(id, &result, None).await?;
                answered.insert(key.clone());
                if failed && experiment.raise_errors {
                    let reason = format!("record {key} failed and raise_errors is set");
                    context.store.abort_experiment(id, &reason).await?;
                }
            }
            let missing: Vec<String> = batch
                .keys
                .into_iter()
                .filter(|key| !answered.contains(key))
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
            for (record_id, reason) in &unsendable {
                fail_keys(
                    context,
                    experiment,
                    by_id,
                    std::slice::from_ref(record_id),
                    reason,
                )
                .await?;
            }
            if lines.is_empty() {
                return Ok(None);
            }
            let name = submitted(context, client, experiment, by_id, names, &part, &lines).await?;
            Ok(name.map(|name| Waiting {
                part,
                name,
                keys: lines.into_iter().map(|l| l.key).collect(),
                latest: None,
            }))
        }
        state => {
            let reason = format!("batch {} ended {}", job.name, state.as_str());
            fail_keys(context, experiment, by_id, &batch.keys, &reason).await?;
            Ok(None)
        }
    }
}

async fn fail_keys(
    context: &Context,
    experiment: &ExperimentRecord,
    by_id: &HashMap<&str, &DatasetRecord>,
    keys: &[String],
    reason: &str,
) -> Result<(), JobError> {
    for key in keys {
        if let Some(record) = by_id.get(key.as_str()) {
            fail(context, experiment, record, reason).await?;
        }
    }
    Ok(())
}

/// Writes the progress the experiment's status shows.
async fn show(
    context: &Context,
    experiment: &ExperimentRecord,
    waiting: &[Waiting],
    settled: u64,
    state: &str,
) -> Result<(), JobError> {
    let names = context.store.batch_names(&experiment.experiment_id).await?;
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
