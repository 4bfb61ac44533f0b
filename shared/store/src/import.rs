//! `import`: a dataset folder under the data directory → a registered version.
//! `load_folder` and `register` are its two steps, for folders that arrive another
//! way (an uploaded archive, unpacked under the data directory); `import_lines`:
//! records from elsewhere (Datadog) checked the same way, their local images looked
//! up in the data directory's folder named like the dataset.
//!
//! The folder is validated in full first (nothing is stored when any line is bad);
//! then its records are stored with image paths rewritten relative to the data
//! directory, so workers resolve them against their own `TALLY_DATA_DIR`. Images
//! themselves stay on disk (or at their `gs://` / `https://` URI).

use std::path::PathBuf;

use serde::Serialize;

use crate::{ApiStore, StoreError};
use tally_core::contract::views::DatadogOrigin;
use tally_core::contract::{DatasetName, ValueError};
use tally_core::dataset::ContentHash;
use tally_core::dataset::DatasetRecord;
use tally_core::dataset::ImageRef;
use tally_core::dataset::Problem;
use tally_core::dataset::{DataDir, DataDirError};
use tally_core::dataset::{Dataset, load, load_lines};

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

/// Validates the dataset in `folder` completely: the dataset, or every problem.
pub async fn load_folder(folder: PathBuf) -> Result<Dataset, ImportError> {
    // Reading and hashing every image is blocking file work: keep it off the async
    // threads that serve requests.
    tokio::task::spawn_blocking(move || load(&folder))
        .await
        .map_err(|e| ImportError::Validation(e.to_string()))?
        .map_err(ImportError::Invalid)
}

/// Registers a validated dataset, whose folder lies under `data_dir`, as a version of
/// `name` (the existing one when its content hash is already registered).
pub async fn register(
    store: &ApiStore,
    data_dir: &DataDir,
    name: &DatasetName,
    dataset: Dataset,
) -> Result<ImportOutcome, ImportError> {
    let source = data_dir
        .relative_of(&dataset.folder)
        .ok_or_else(|| DataDirError::Escapes {
            path: dataset.folder.display().to_string(),
        })?;
    register_from(store, name, dataset, &source, None).await
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

/// Registers a validated dataset from the folder `source` (relative to the data
/// directory), its image paths rewritten relative to the data directory.
async fn register_from(
    store: &ApiStore,
    name: &DatasetName,
    dataset: Dataset,
    source: &str,
    origin: Option<&DatadogOrigin>,
) -> Result<ImportOutcome, ImportError> {
    let content_hash = dataset.content_hash.clone();
    let records = records_relative_to_data_dir(dataset, source);
    let registered = store
        .register_dataset_version_from(name, &content_hash, source, origin, &records)
        .await?;
    let version = registered.version;
    Ok(ImportOutcome {
        name: version.name,
        version: version.version,
        size: version.size,
        content_hash: version.content_hash,
        datadog: version.datadog,
        created: registered.created,
    })
}

fn records_relative_to_data_dir(dataset: Dataset, source: &str) -> Vec<DatasetRecord> {
    dataset
        .records
        .into_iter()
        .map(|mut record| {
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
            record
        })
        .collect()
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
