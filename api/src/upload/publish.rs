//! The last step of an upload: the validated folder moves from staging to
//! `uploads/<name>/<content hash>` with one rename (same file system), then the
//! version is registered through the import's own `register` — the moment it
//! becomes visible. Records name their images under that folder, which workers find
//! under their own `TALLY_DATA_DIR`.

use tally_core::dataset::{DataDir, DatasetName, ValidatedFolder};
use tally_store::{ApiStore, ImportOutcome, register};

use super::receive::unwritable;
use crate::error::ApiError;

/// Published uploads, one folder per dataset name, one per content inside it.
const UPLOADS_DIR: &str = "uploads";

pub async fn publish(
    store: &ApiStore,
    data_dir: &DataDir,
    name: &DatasetName,
    mut dataset: ValidatedFolder,
) -> Result<ImportOutcome, ApiError> {
    // Identical content is already a version: it keeps its files, nothing moves.
    let existing = store
        .dataset_versions(name)
        .await?
        .into_iter()
        .find(|v| v.content_hash == dataset.content_hash);
    if let Some(version) = existing {
        return Ok(ImportOutcome {
            name: version.name,
            version: version.version,
            size: version.size,
            content_hash: version.content_hash,
            datadog: version.datadog,
            created: false,
        });
    }
    let hash = dataset.content_hash.as_str();
    let digest = hash.strip_prefix("sha256:").unwrap_or(hash);
    let parent = data_dir.root().join(UPLOADS_DIR).join(name.as_str());
    std::fs::create_dir_all(&parent).map_err(|e| unwritable(&e))?;
    let target = parent.join(digest);
    if let Err(e) = std::fs::rename(&dataset.folder, &target) {
        // A concurrent upload of the same content moved it first: by the hash, the
        // same records and images are there already.
        if !target.join(tally_core::dataset::RECORDS_FILE).is_file() {
            return Err(unwritable(&e));
        }
    }
    dataset.folder = target;
    Ok(register(store, data_dir, name, dataset).await?)
}
