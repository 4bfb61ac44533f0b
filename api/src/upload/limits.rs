//! `UploadLimits`: how much one dataset upload may hold. Each bound is checked before
//! the bytes it limits are written, so an archive over any of them costs at most the
//! bytes up to the limit, and is refused naming the entry that crossed it.

use tally_core::dataset::MAX_IMAGE_BYTES;

pub const MAX_ARCHIVE_BYTES_ENV: &str = "TALLY_UPLOAD_MAX_ARCHIVE_BYTES";
pub const MAX_UNPACKED_BYTES_ENV: &str = "TALLY_UPLOAD_MAX_UNPACKED_BYTES";
pub const MAX_FILES_ENV: &str = "TALLY_UPLOAD_MAX_FILES";
pub const MAX_FILE_BYTES_ENV: &str = "TALLY_UPLOAD_MAX_FILE_BYTES";
pub const MAX_IMAGE_BYTES_ENV: &str = "TALLY_UPLOAD_MAX_IMAGE_BYTES";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// The archive as sent (compressed).
    pub archive_bytes: u64,
    /// Every entry's bytes added up, once unpacked.
    pub unpacked_bytes: u64,
    /// Entries (files and folders) in the archive.
    pub files: u64,
    /// One file that is not a page image (`records.jsonl`, notes).
    pub file_bytes: u64,
    /// One page image (`.png`, `.jpg`, `.jpeg`); never above the loader's own bound.
    pub image_bytes: u64,
}

impl Default for UploadLimits {
    /// Room for the largest dataset the loader accepts in practice: thousands of
    /// scanned pages of a few megabytes each.
    fn default() -> Self {
        UploadLimits {
            archive_bytes: 1024 * 1024 * 1024,
            unpacked_bytes: 4 * 1024 * 1024 * 1024,
            files: 20_000,
            file_bytes: 256 * 1024 * 1024,
            image_bytes: MAX_IMAGE_BYTES,
        }
    }
}

impl UploadLimits {
    /// The limit on one entry: images have their own.
    pub fn entry_bytes(&self, is_image: bool) -> (u64, &'static str) {
        if is_image {
            (self.image_bytes, MAX_IMAGE_BYTES_ENV)
        } else {
            (self.file_bytes, MAX_FILE_BYTES_ENV)
        }
    }
}
