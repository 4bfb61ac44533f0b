//! `import`: a dataset folder under the data directory → a registered version.
//! `load_folder` and `register` are its two steps, for folders that arrive another
//! way (an uploaded archive, unpacked under the data directory); `import_lines`:
//! records from elsewhere (Datadog) checked the same way, their local images looked
//! up in the data directory's folder named like the dataset.
//!
//! A folder is read twice and never held whole: first validated in full, line by
//! line (nothing is stored when any line is bad; the content hash is known at the
//! end); then, unless that content is already a version, its records are read again
//! and staged in batches (`dataset_staging`) with image paths rewritten relative to
//! the data directory, so workers resolve them against their own `TALLY_DATA_DIR`,
//! and published as a version at the end. The second reading must see the lines the
//! first validated, or nothing is published. Images themselves stay on disk (or at
//! their `gs://` / `https://` URI).

use std::path::PathBuf;

use serde::Serialize;

use crate::datasets::{Draft, Registered};
use crate::{ApiStore, StoreError, VersionStaging};
use tally_core::contract::views::DatadogOrigin;
use tally_core::contract::{DatasetName, ValueError};
use tally_core::dataset::ContentHash;
use tally_core::dataset::DatasetRecord;
use tally_core::dataset::ImageRef;
use tally_core::dataset::Problem;
use tally_core::dataset::{DataDir, DataDirError};
use tally_core::dataset::{FolderRecords, ValidatedFolder, load_lines, validate_folder};

/// Records read per batch on the second reading: the most the importer holds.
const READ_BATCH: usize = 1024;

/// What an import did: the version, and whether it is new (HTTP 201) or an existing
/// one with identical content (HTTP 200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub name: DatasetName,
    pub version: u64,
    pub size: u64,
    pub content_hash: ContentHash,
    /// The Datadog version the stored version came from, if it did.
    pub datadog: Option<DatadogOrigin>,
    #[serde(skip)]
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Path(#[from] DataDirError),
    #[error("the folder name cannot be a dataset name: {0}")]
    Name(#[from] ValueError),
    #[error("the dataset has {} problem(s): {}", .0.len(), summary(.0))]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("validating the dataset failed unexpectedly: {0}")]
    Validation(String),
    #[error("records.jsonl changed while it was imported ({0}); nothing was stored")]
    Changed(String),
}

/// Imports the folder `relative_path` (relative to `data_dir`); the dataset is named
/// after the folder's last component.
pub async fn import(
    store: &ApiStore,
    data_dir: &DataDir,
    relative_path: &str,
) -> Result<ImportOutcome, ImportError> {
    let folder = data_dir.dataset_folder(relative_path)?;
    let folder_name = folder
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let name = DatasetName::parse(folder_name)?;
    let dataset = load_folder(folder).await?;
    register(store, data_dir, &name, dataset).await
}

/// Validates the dataset in `folder` completely, without keeping its records: the
/// folder's count and content hash, or every problem.
pub async fn load_folder(folder: PathBuf) -> Result<ValidatedFolder, ImportError> {
    // Reading and hashing every image is blocking file work: keep it off the async
    // threads that serve requests.
    tokio::task::spawn_blocking(move || validate_folder(&folder))
        .await
        .map_err(|e| ImportError::Validation(e.to_string()))?
        .map_err(ImportError::Invalid)
}

/// Registers a validated folder, which lies under `data_dir`, as a version of `name`
/// (the existing one when its content hash is already registered): its records are
/// read again and staged a batch at a time, then published.
pub async fn register(
    store: &ApiStore,
    data_dir: &DataDir,
    name: &DatasetName,
    folder: ValidatedFolder,
) -> Result<ImportOutcome, ImportError> {
    let source = data_dir
        .relative_of(&folder.folder)
        .ok_or_else(|| DataDirError::Escapes {
            path: folder.folder.display().to_string(),
        })?;
    if let Some(version) = store
        .registered_dataset_version(name, &folder.content_hash)
        .await?
    {
        return Ok(outcome(Registered {
            version,
            created: false,
        }));
    }
    let mut staging = store.stage_dataset_version(folder.records);
    if let Err(e) = stage_folder(&mut staging, &folder, &source).await {
        staging.discard().await;
        return Err(e);
    }
    let registered = staging
        .publish(&Draft {
            name,
            content_hash: &folder.content_hash,
            source: &source,
            origin: None,
        })
        .await?;
    Ok(outcome(registered))
}

/// Reads the validated folder's records again (on a blocking thread, a batch at a
/// time) into `staging`; fails when they are not the lines validated.
async fn stage_folder(
    staging: &mut VersionStaging<'_>,
    folder: &ValidatedFolder,
    source: &str,
) -> Result<(), ImportError> {
    let (batches, mut received) = tokio::sync::mpsc::channel::<Vec<DatasetRecord>>(2);
    let (validated, source) = (folder.clone(), source.to_string());
    let reader = tokio::task::spawn_blocking(move || {
        let mut records = FolderRecords::open(&validated)?;
        let mut batch = Vec::with_capacity(READ_BATCH);
        for record in records.by_ref() {
            let mut record = record?;
            relative_to_data_dir(&mut record, &source);
            batch.push(record);
            if batch.len() == READ_BATCH
                && batches.blocking_send(std::mem::take(&mut batch)).is_err()
            {
                // The staging side stopped (its error is the one reported).
                return Ok(None);
            }
        }
        if !batch.is_empty() && batches.blocking_send(batch).is_err() {
            return Ok(None);
        }
        Ok::<_, String>(Some(records.finish()))
    });
    let mut staged = 0u64;
    while let Some(batch) = received.recv().await {
        staged += batch.len() as u64;
        staging.push(batch).await?;
    }
    let digest = reader
        .await
        .map_err(|e| ImportError::Validation(e.to_string()))?
        .map_err(ImportError::Changed)?;
    if digest.as_ref() != Some(&folder.lines) || staged != folder.records {
        return Err(ImportError::Changed(format!(
            "{staged} records read again, {} validated",
            folder.records
        )));
    }
    Ok(())
}

/// Imports records given as JSON lines (`records.jsonl`'s format) as a version of
/// `name`, remembering `origin`. Each line's problems are located as `{file}:{n}`;
/// local image paths are looked up in the data directory's folder `name`, exactly
/// as if the lines were that folder's `records.jsonl`.
pub async fn import_lines(
    store: &ApiStore,
    data_dir: &DataDir,
    name: &DatasetName,
    file: &'static str,
    lines: Vec<String>,
    origin: Option<&DatadogOrigin>,
) -> Result<ImportOutcome, ImportError> {
    // No such folder is no error here: records with only gs:// or https:// images
    // need none, and a local image is reported missing like any other.
    let folder = data_dir
        .dataset_folder(name.as_str())
        .unwrap_or_else(|_| data_dir.root().join(name.as_str()));
    let dataset =
        tokio::task::spawn_blocking(move || load_lines(folder, file, lines.into_iter().map(Ok)))
            .await
            .map_err(|e| ImportError::Validation(e.to_string()))?
            .map_err(ImportError::Invalid)?;
    register_from(store, name, dataset, name.as_str(), origin).await
}

/// Registers records validated in memory (Datadog's) from the folder `source`
/// (relative to the data directory), image paths rewritten relative to the data
/// directory.
async fn register_from(
    store: &ApiStore,
    name: &DatasetName,
    dataset: tally_core::dataset::Dataset,
    source: &str,
    origin: Option<&DatadogOrigin>,
) -> Result<ImportOutcome, ImportError> {
    let mut records = dataset.records;
    for record in &mut records {
        relative_to_data_dir(record, source);
    }
    let registered = store
        .register_dataset_version_from(name, &dataset.content_hash, source, origin, &records)
        .await?;
    Ok(outcome(registered))
}

fn outcome(registered: Registered) -> ImportOutcome {
    let version = registered.version;
    ImportOutcome {
        name: version.name,
        version: version.version,
        size: version.size,
        content_hash: version.content_hash,
        datadog: version.datadog,
        created: registered.created,
    }
}

/// A record's local image paths (relative to its folder `source`) made relative to
/// the data directory.
fn relative_to_data_dir(record: &mut DatasetRecord, source: &str) {
    for path in &mut record.input.image_paths {
        if let Ok(ImageRef::Local(local)) = ImageRef::parse(path) {
            let normal: Vec<&str> = local
                .components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(part) => part.to_str(),
                    _ => None,
                })
                .collect();
            *path = format!("{source}/{}", normal.join("/"));
        }
    }
}

/// The inverse of the rewrite on import: local image paths relative to the dataset
/// folder `source` again, as its `records.jsonl` had them (for records that leave
/// tally, so they import back from a folder named like the dataset).
pub fn records_relative_to_folder(records: Vec<DatasetRecord>, source: &str) -> Vec<DatasetRecord> {
    let prefix = format!("{source}/");
    records
        .into_iter()
        .map(|mut record| {
            for path in &mut record.input.image_paths {
                if let Ok(ImageRef::Local(_)) = ImageRef::parse(path)
                    && let Some(relative) = path.strip_prefix(&prefix)
                {
                    *path = relative.to_string();
                }
            }
            record
        })
        .collect()
}

fn summary(problems: &[Problem]) -> String {
    const SHOWN: usize = 5;
    let mut text = problems
        .iter()
        .take(SHOWN)
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN {
        text.push_str(&format!("; and {} more", problems.len() - SHOWN));
    }
    text
}
