//! The ground truth the emulator answers from: every record of every dataset under
//! `EMULATOR_DATASETS`, keyed by the SHA-256 of its page images (or by URI for
//! remote pages), so a request's inline images find their record.
//!
//! Reads `records.jsonl` line by line; a line that does not parse is skipped with a
//! warning (validating datasets is the dataset tooling's job, not the emulator's).
//! Only where each record's line starts is kept, with its images' keys: the
//! expected output is read back from the file when a request finds the record, so
//! a million-record dataset takes tens of megabytes, not its size in JSON trees.
//! The files must therefore stay as they were indexed while the emulator runs.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tally_core::dataset::DatasetRecord;

use crate::validate::ImageRef;

/// How deep below the root `records.jsonl` files are looked for.
const MAX_DEPTH: usize = 4;

#[derive(Debug, Default)]
pub struct DatasetIndex {
    files: Vec<IndexedFile>,
    records: Vec<Place>,
    by_image: HashMap<ImageKey, Vec<u32>>,
    pub warnings: Vec<String>,
}

/// One `records.jsonl` and the name of its dataset (its folder below the root).
#[derive(Debug)]
struct IndexedFile {
    dataset: String,
    path: PathBuf,
}

/// Where a record's line starts.
#[derive(Debug, Clone, Copy)]
struct Place {
    file: u32,
    offset: u64,
}

#[derive(Debug)]
pub struct IndexedRecord {
    pub dataset: String,
    pub id: String,
    /// `expected_output`, normalised (counts as numbers).
    pub expected: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ImageKey {
    Sha256(String),
    Uri(String),
}

impl DatasetIndex {
    /// Indexes every dataset folder under `root` (or `root` itself when it holds a
    /// `records.jsonl`).
    pub fn build(root: &Path) -> DatasetIndex {
        let mut index = DatasetIndex::default();
        let mut files = Vec::new();
        find_record_files(root, 0, &mut files, &mut index.warnings);
        files.sort();
        for file in files {
            index.add_dataset(root, &file);
        }
        index
    }

    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    pub fn image_count(&self) -> usize {
        self.by_image.len()
    }

    fn add_dataset(&mut self, root: &Path, records_file: &Path) {
        let folder = records_file.parent().unwrap_or(root);
        let dataset = folder
            .strip_prefix(root)
            .unwrap_or(folder)
            .display()
            .to_string();
        let dataset = if dataset.is_empty() {
            ".".to_string()
        } else {
            dataset
        };
        let mut reader = match File::open(records_file) {
            Ok(file) => BufReader::new(file),
            Err(e) => {
                return self
                    .warnings
                    .push(format!("{}: {e}", records_file.display()));
            }
        };
        let file = self.files.len() as u32;
        self.files.push(IndexedFile {
            dataset,
            path: records_file.to_path_buf(),
        });
        // Pages are shared between records: each file is read and hashed once.
        let mut digests: HashMap<String, Result<ImageKey, String>> = HashMap::new();
        let (mut offset, mut line) = (0u64, String::new());
        for number in 1.. {
            let place = format!("{}:{number}", records_file.display());
            line.clear();
            let start = offset;
            match reader.read_line(&mut line) {
                Ok(0) => break,
                Ok(read) => offset += read as u64,
                Err(e) => {
                    self.warnings.push(format!("{place}: {e}"));
                    break;
                }
            }
            let text = line.strip_suffix('\n').unwrap_or(&line);
            let text = text.strip_suffix('\r').unwrap_or(text);
            if text.trim().is_empty() {
                continue;
            }
            let record: DatasetRecord = match serde_json::from_str(text) {
                Ok(record) => record,
                Err(e) => {
                    self.warnings
                        .push(format!("{place}: skipped, not a record: {e}"));
                    continue;
                }
            };
            let mut keys = Vec::new();
            for path in &record.input.image_paths {
                if path.contains("://") {
                    keys.push(ImageKey::Uri(path.clone()));
                    continue;
                }
                let digest = digests.entry(path.clone()).or_insert_with(|| {
                    std::fs::read(folder.join(path))
                        .map(|bytes| ImageKey::Sha256(hex::encode(Sha256::digest(&bytes))))
                        .map_err(|e| e.to_string())
                });
                match digest {
                    Ok(key) => keys.push(key.clone()),
                    Err(e) => self.warnings.push(format!("{place}: image {path}: {e}")),
                }
            }
            let position = self.records.len() as u32;
            self.records.push(Place {
                file,
                offset: start,
            });
            for key in keys {
                let slot = self.by_image.entry(key).or_default();
                // Positions only grow: a repeated page of one record is its last entry.
                if slot.last() != Some(&position) {
                    slot.push(position);
                }
            }
        }
    }

    /// The record most of `images` belong to (the first indexed on a tie), read
    /// back from its file.
    pub fn find(&self, images: &[ImageRef]) -> Option<IndexedRecord> {
        let mut hits: HashMap<u32, usize> = HashMap::new();
        for image in images {
            let key = match image {
                ImageRef::Inline(sha) => ImageKey::Sha256(sha.clone()),
                ImageRef::Uri(uri) => ImageKey::Uri(uri.clone()),
            };
            for &position in self.by_image.get(&key).into_iter().flatten() {
                *hits.entry(position).or_default() += 1;
            }
        }
        let position = hits
            .into_iter()
            .max_by(|(a_pos, a_hits), (b_pos, b_hits)| a_hits.cmp(b_hits).then(b_pos.cmp(a_pos)))
            .map(|(position, _)| position)?;
        self.read(self.records[position as usize])
    }

    fn read(&self, place: Place) -> Option<IndexedRecord> {
        let file = &self.files[place.file as usize];
        let read = || -> Result<DatasetRecord, String> {
            let mut reader = File::open(&file.path).map_err(|e| e.to_string())?;
            reader
                .seek(SeekFrom::Start(place.offset))
                .map_err(|e| e.to_string())?;
            let mut line = String::new();
            BufReader::new(reader)
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            serde_json::from_str(line.trim_end()).map_err(|e| e.to_string())
        };
        match read() {
            Ok(record) => Some(IndexedRecord {
                dataset: file.dataset.clone(),
                id: record.id,
                expected: serde_json::to_value(&record.expected_output)
                    .unwrap_or(Value::Array(Vec::new())),
            }),
            Err(e) => {
                tracing::warn!(
                    file = %file.path.display(),
                    offset = place.offset,
                    "an indexed record cannot be read back (the file changed?): {e}"
                );
                None
            }
        }
    }
}

fn find_record_files(
    dir: &Path,
    depth: usize,
    found: &mut Vec<std::path::PathBuf>,
    warnings: &mut Vec<String>,
) {
    let candidate = dir.join("records.jsonl");
    if candidate.is_file() {
        found.push(candidate);
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return warnings.push(format!("{}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            find_record_files(&entry.path(), depth + 1, found, warnings);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{expected_reports, png};

    fn inline(seed: u32) -> ImageRef {
        ImageRef::Inline(hex::encode(Sha256::digest(png(seed))))
    }

    /// Records that share pages (as the bench's do): each pair of pages finds its own
    /// record, read back from the file with its expected output.
    #[test]
    fn records_sharing_pages_are_found_by_their_pair_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("shared");
        std::fs::create_dir_all(&folder).unwrap();
        for seed in 0..3 {
            std::fs::write(folder.join(format!("p{seed}.png")), png(seed)).unwrap();
        }
        let pairs = [(0, 1), (1, 2), (0, 2)];
        let mut lines = String::from("\n");
        for (n, (a, b)) in pairs.iter().enumerate() {
            let line = serde_json::json!({"id": format!("r{n}"),
                "input": {"form_set_name": "s", "image_paths": [format!("p{a}.png"), format!("p{b}.png")], "num_pages": 2},
                "expected_output": expected_reports(n as u32)});
            lines.push_str(&format!("{line}\r\n"));
        }
        std::fs::write(folder.join("records.jsonl"), lines).unwrap();

        let index = DatasetIndex::build(tmp.path());
        assert_eq!((index.record_count(), index.image_count()), (3, 3));
        for (n, (a, b)) in pairs.iter().enumerate() {
            let found = index.find(&[inline(*b), inline(*a)]).unwrap();
            assert_eq!(
                (found.dataset.as_str(), found.id.as_str()),
                ("shared", format!("r{n}").as_str())
            );
            assert_eq!(found.expected, expected_reports(n as u32));
        }
        // One page is in two records: the first indexed wins the tie.
        assert_eq!(index.find(&[inline(2)]).unwrap().id, "r1");
        assert!(index.find(&[inline(9)]).is_none());
    }
}
