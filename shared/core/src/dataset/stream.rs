//! A dataset folder of any size, in two passes that never hold all its records:
//! `validate_folder` runs every check of `load` (and computes the same content hash)
//! line by line, keeping a digest of the lines it read; `FolderRecords` then reads
//! the records again one by one, for storing in blocks, and its digest at the end
//! tells whether `records.jsonl` changed in between.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::hash::ContentHash;
use super::loader::{Checked, RECORDS_FILE, Validator, open_records, read_lines};
use super::problem::Problem;
use super::record::DatasetRecord;

/// A dataset folder whose every line passed validation; its records stay on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedFolder {
    /// The folder, canonical (symlinks resolved).
    pub folder: PathBuf,
    pub records: u64,
    pub content_hash: ContentHash,
    /// The digest of `records.jsonl`'s lines as validated.
    pub lines: LinesDigest,
}

/// SHA-256 over the lines of a records file, each followed by a newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinesDigest([u8; 32]);

#[derive(Default)]
struct LinesHasher(Sha256);

impl LinesHasher {
    fn add(&mut self, line: &str) {
        self.0.update(line.as_bytes());
        self.0.update(b"\n");
    }

    fn finish(self) -> LinesDigest {
        LinesDigest(self.0.finalize().into())
    }
}

/// Validates the dataset in `folder` as `load` does, without keeping its records.
pub fn validate_folder(folder: &Path) -> Result<ValidatedFolder, Vec<Problem>> {
    let (folder, file) = open_records(folder)?;
    let mut lines = LinesHasher::default();
    let mut validator = Validator::new(folder, RECORDS_FILE);
    for line in read_lines(file) {
        if let Ok(text) = &line {
            lines.add(text);
        }
        if let Checked::Stop = validator.check(line) {
            break;
        }
    }
    let (folder, validated) = validator.finish()?;
    Ok(ValidatedFolder {
        folder,
        records: validated.records,
        content_hash: validated.content_hash,
        lines: lines.finish(),
    })
}

/// The records of a validated folder, read again one at a time (blank lines skipped).
pub struct FolderRecords {
    lines: Lines<BufReader<File>>,
    digest: LinesHasher,
    number: usize,
}

impl FolderRecords {
    pub fn open(folder: &ValidatedFolder) -> Result<FolderRecords, String> {
        let path = folder.folder.join(RECORDS_FILE);
        let file = File::open(&path).map_err(|e| format!("{RECORDS_FILE} cannot be read: {e}"))?;
        Ok(FolderRecords {
            lines: BufReader::new(file).lines(),
            digest: LinesHasher::default(),
            number: 0,
        })
    }

    /// The digest of every line read: compare it with the validated folder's to know
    /// that the records read are the records validated.
    pub fn finish(self) -> LinesDigest {
        self.digest.finish()
    }
}

impl Iterator for FolderRecords {
    type Item = Result<DatasetRecord, String>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.number += 1;
            let line = match self.lines.next()? {
                Ok(line) => line,
                Err(e) => return Some(Err(format!("{RECORDS_FILE}:{}: {e}", self.number))),
            };
            self.digest.add(&line);
            if line.trim().is_empty() {
                continue;
            }
            return Some(
                serde_json::from_str(&line)
                    .map_err(|e| format!("{RECORDS_FILE}:{}: {e}", self.number)),
            );
        }
    }
}
