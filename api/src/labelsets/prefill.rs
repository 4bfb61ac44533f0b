//! Pre-fill: one model configuration run over a label set's records as a normal run
//! on the queue; each record's parsed answer is its draft.
//!
//! A run needs a dataset version, so the set's records are registered (once; the
//! same content is the same version) as the dataset `labelset.<name>`, with no
//! expected output: scores of that run mean nothing, its answers are the point.

use serde_json::{Value, json};
use tally_core::contract::{DatasetName, ExperimentRequest, FieldError};
use tally_core::dataset::{ContentHasher, DatasetRecord, RecordInput};
use tally_core::run::Submitter;
use tally_store::submission::{DEFAULT_MAX_CHUNK_SIZE, Submission};
use tally_store::{ApiStore, LabelSet, Prefill};

use crate::error::ApiError;
use crate::extract::json_object;

/// The prefix of the datasets holding label sets' records for pre-fill runs.
pub const PREFILL_DATASET_PREFIX: &str = "labelset.";

/// Refuses, as `field`, a dataset name a person chose that is reserved for the
/// pre-fill datasets: a version written there would mix with a label set's drafts.
pub fn refuse_prefill_name(name: &DatasetName, field: &str) -> Result<(), FieldError> {
    if name.as_str().starts_with(PREFILL_DATASET_PREFIX) {
        return Err(FieldError {
            field: field.to_string(),
            message: format!(
                "names beginning with \"{PREFILL_DATASET_PREFIX}\" are reserved for label sets' pre-fill runs"
            ),
        });
    }
    Ok(())
}

/// Submits the pre-fill run of `set` with `model_config` (the JSON of one
/// `model_configs[i]`, validated by the request's own code); returns the set with
/// its run recorded (already saved).
pub async fn prefill(
    store: &ApiStore,
    mut set: LabelSet,
    model_config: &[u8],
    submitter: Submitter,
) -> Result<LabelSet, ApiError> {
    let config = Value::Object(json_object(model_config)?);
    let name = DatasetName::parse(&format!("{PREFILL_DATASET_PREFIX}{}", set.name))
        .map_err(|e| ApiError::invalid("name", format!("is too long to pre-fill: {e}")))?;
    let version = register_records(store, &name, &set).await?;
    let request = json!({
        "dataset_name": name.as_str(),
        "dataset_version": version,
        "model_configs": [config],
    });
    let bytes = serde_json::to_vec(&request).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (request, _) = ExperimentRequest::from_json_bytes_with_warnings(&bytes)
        .map_err(|error| relocate(ApiError::from(error)))?;
    let submitted = store
        .submit(
            Submission {
                request,
                submitter,
                idempotency: None,
            },
            DEFAULT_MAX_CHUNK_SIZE,
        )
        .await?;
    let run = store
        .run(&submitted.run_id)
        .await?
        .ok_or_else(|| ApiError::Internal("the pre-fill run vanished".into()))?;
    let experiment = run
        .record
        .experiments
        .first()
        .ok_or_else(|| ApiError::Internal("the pre-fill run has no experiment".into()))?;
    set.prefill = Some(Prefill {
        run_id: submitted.run_id.to_string(),
        experiment_id: experiment.to_string(),
    });
    store.save_labelset(&set).await?;
    Ok(set)
}

/// The set's records as a dataset version (without expected output).
async fn register_records(
    store: &ApiStore,
    name: &DatasetName,
    set: &LabelSet,
) -> Result<u64, ApiError> {
    let records: Vec<DatasetRecord> = set
        .records
        .iter()
        .map(|record| DatasetRecord {
            id: record.id.clone(),
            input: RecordInput {
                form_set_name: record.id.clone(),
                image_paths: record.pages.clone(),
                num_pages: u32::try_from(record.pages.len()).unwrap_or(u32::MAX),
            },
            expected_output: Vec::new(),
            metadata: Default::default(),
        })
        .collect();
    let mut hasher = ContentHasher::new();
    for record in &records {
        hasher.add_record(record);
    }
    let source = format!("{}/{}", super::LABELSETS_DIR, set.name);
    let registered = store
        .register_dataset_version_from(name, &hasher.finish(), &source, None, &records)
        .await?;
    Ok(registered.version.version)
}

/// Errors of the wrapped request named as fields of the body: `model_configs[0].x`
/// → `x`.
fn relocate(error: ApiError) -> ApiError {
    match error {
        ApiError::Invalid(errors) => ApiError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: e
                        .field
                        .strip_prefix("model_configs[0].")
                        .unwrap_or(&e.field)
                        .to_string(),
                    message: e.message,
                })
                .collect(),
        ),
        other => other,
    }
}
