//! Dataset upload: an archive (`.tar.gz` or `.zip`) holding a dataset folder's files
//! at its root becomes a dataset version, through the same validation and
//! registration as an import (`tally_store::load_folder`, `tally_store::register`).
//!
//! 1. `receive`: the body is streamed to a private staging folder under the data
//!    directory (`.staging/upload-…`), never longer than the archive limit;
//! 2. `unpack`: entry by entry, each path and kind checked and every limit enforced
//!    (`tar_gz`, `zip`);
//! 3. the unpacked folder is validated in full, as an imported folder is;
//! 4. `publish`: moved into `uploads/<name>/<content hash>` with one rename and
//!    registered (identical content is the existing version).
//!
//! Until step 4 nothing is visible; on any refusal the staging folder is removed
//! (it is a `TempDir`), so a refused archive leaves nothing behind; what a killed
//! server left in staging is removed by an upload a day later.

mod limits;
pub mod publish;
mod receive;
mod tar_gz;
mod unpack;
mod zip;
mod zip_directory;

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, header};
use tally_core::dataset::{DataDir, DatasetName, Problem, RECORDS_FILE};
use tally_store::{ApiStore, ImportError, ImportOutcome, load_folder};

use crate::error::{ApiError, Sent};
pub use limits::{
    MAX_ARCHIVE_BYTES_ENV, MAX_FILE_BYTES_ENV, MAX_FILES_ENV, MAX_IMAGE_BYTES_ENV,
    MAX_UNPACKED_BYTES_ENV, UploadLimits,
};
pub use receive::unwritable;
use unpack::Unpacker;

/// Where uploads are received and unpacked, inside the data directory (so the final
/// move is a rename on one file system).
const STAGING_DIR: &str = ".staging";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    TarGz,
    Zip,
}

impl ArchiveFormat {
    /// The format a `Content-Type` names (parameters ignored), if it names one.
    pub fn from_content_type(value: &str) -> Option<ArchiveFormat> {
        let media = value.split(';').next().unwrap_or_default().trim();
        match media.to_ascii_lowercase().as_str() {
            "application/gzip" | "application/x-gzip" => Some(ArchiveFormat::TarGz),
            "application/zip" | "application/x-zip-compressed" => Some(ArchiveFormat::Zip),
            _ => None,
        }
    }

    /// The format the request's `Content-Type` names (422 otherwise) and its
    /// `Content-Length`, when sent.
    fn of_request(headers: &HeaderMap) -> Result<(ArchiveFormat, Option<u64>), ApiError> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let format = ArchiveFormat::from_content_type(content_type).ok_or_else(|| {
            ApiError::invalid(
                "Content-Type",
                "must be application/gzip (a .tar.gz archive) or application/zip (a .zip archive)",
            )
        })?;
        let declared_bytes = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        Ok((format, declared_bytes))
    }
}

/// An archive a request is about to send: where it is staged, under which limits,
/// in which format and of what declared size. Shared by dataset uploads and label
/// sets, which differ only in what they do with the unpacked folder.
pub struct IncomingArchive<'a> {
    pub data_dir: &'a DataDir,
    /// What the archive is sent as, which its refusal names.
    pub sent: Sent,
    pub limits: UploadLimits,
    pub format: ArchiveFormat,
    /// The body's `Content-Length`, when sent.
    pub declared_bytes: Option<u64>,
}

impl<'a> IncomingArchive<'a> {
    /// The archive the request's headers announce (422 naming `Content-Type` when
    /// it names no archive format), sent as `sent`.
    pub fn of_request(
        data_dir: &'a DataDir,
        sent: Sent,
        limits: UploadLimits,
        headers: &HeaderMap,
    ) -> Result<IncomingArchive<'a>, ApiError> {
        let (format, declared_bytes) = ArchiveFormat::of_request(headers)?;
        Ok(IncomingArchive {
            data_dir,
            sent,
            limits,
            format,
            declared_bytes,
        })
    }

    /// Steps 1 and 2 of an upload: the body received into a fresh staging folder
    /// and unpacked there, every entry checked.
    pub async fn receive_and_unpack(self, body: Body) -> Result<Unpacked, ApiError> {
        let staging = staging_folder(self.data_dir)?;
        let archive = staging.path().join("archive");
        receive::receive(
            body,
            self.declared_bytes,
            &archive,
            self.limits.archive_bytes,
        )
        .await?;
        let folder = staging.path().join("dataset");
        std::fs::create_dir(&folder).map_err(|e| unwritable(&e))?;
        let (format, limits, unpack_into) = (self.format, self.limits, folder.clone());
        tokio::task::spawn_blocking(move || unpack(format, &archive, &unpack_into, limits))
            .await
            .map_err(|e| ApiError::Internal(format!("unpacking an upload failed: {e}")))?
            .map_err(|problems| ApiError::InvalidDataset(self.sent.clone(), problems))?;
        Ok(Unpacked { staging, folder })
    }
}

/// One upload, from the request body to a registered version.
pub struct Upload<'a> {
    pub store: &'a ApiStore,
    pub archive: IncomingArchive<'a>,
    pub name: &'a DatasetName,
}

impl Upload<'_> {
    pub async fn run(self, body: Body) -> Result<ImportOutcome, ApiError> {
        let (data_dir, sent) = (self.archive.data_dir, self.archive.sent.clone());
        let unpacked = self.archive.receive_and_unpack(body).await?;
        let invalid = |problems| ApiError::InvalidDataset(sent.clone(), problems);
        check_root(&unpacked.folder).map_err(invalid)?;
        let dataset = load_folder(unpacked.folder.clone())
            .await
            .map_err(|error| match error {
                ImportError::Invalid(problems) => invalid(problems),
                error => error.into(),
            })?;
        publish::publish(self.store, data_dir, self.name, dataset).await
    }
}

/// An archive received and unpacked, every entry checked, into a fresh staging
/// folder: `folder` holds the entries; all of it is removed when `staging` drops.
pub struct Unpacked {
    pub staging: tempfile::TempDir,
    pub folder: PathBuf,
}

/// A fresh folder under `<data dir>/.staging`, removed when dropped.
pub fn staging_folder(data_dir: &DataDir) -> Result<tempfile::TempDir, ApiError> {
    let parent = data_dir.root().join(STAGING_DIR);
    std::fs::create_dir_all(&parent).map_err(|e| unwritable(&e))?;
    sweep_stale(&parent);
    tempfile::Builder::new()
        .prefix("upload-")
        .tempdir_in(&parent)
        .map_err(|e| unwritable(&e))
}

/// Removes what uploads cut short by a killed server left in staging: no upload
/// lasts this long (its body must arrive within the body read timeout).
fn sweep_stale(parent: &Path) {
    const STALE_AFTER: Duration = Duration::from_secs(24 * 3600);
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Unpacks `archive` into `folder` (empty), or lists why it cannot be accepted.
fn unpack(
    format: ArchiveFormat,
    archive: &Path,
    folder: &Path,
    limits: UploadLimits,
) -> Result<(), Vec<Problem>> {
    let mut unpacker = Unpacker::new(folder, limits);
    match format {
        ArchiveFormat::TarGz => tar_gz::unpack(archive, &mut unpacker, limits),
        ArchiveFormat::Zip => zip::unpack(archive, &mut unpacker, limits),
    }
    // The archive is no longer needed: give its disk space back now.
    let _ = std::fs::remove_file(archive);
    unpacker.finish()
}

/// The commonest packing mistake, named: the dataset folder itself was packed, so
/// `records.jsonl` sits one level down instead of at the root.
fn check_root(folder: &Path) -> Result<(), Vec<Problem>> {
    if folder.join(RECORDS_FILE).exists() {
        return Ok(());
    }
    let children: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    if let [only] = children.as_slice()
        && only.join(RECORDS_FILE).is_file()
        && let Some(inner) = only.file_name().and_then(|n| n.to_str())
    {
        return Err(vec![Problem::in_file(
            &format!("{inner}/{RECORDS_FILE}"),
            format!(
                "{RECORDS_FILE} must be at the archive's root, not in the folder {inner}/: \
                 pack the folder's contents (tar -C {inner} -czf dataset.tar.gz .)"
            ),
        )]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_name_formats() {
        assert_eq!(
            ArchiveFormat::from_content_type("application/gzip"),
            Some(ArchiveFormat::TarGz)
        );
        assert_eq!(
            ArchiveFormat::from_content_type("Application/ZIP; charset=binary"),
            Some(ArchiveFormat::Zip)
        );
        assert_eq!(ArchiveFormat::from_content_type("application/json"), None);
    }
}
