//! The ground truth the emulator answers from: every record of every dataset under
//! `EMULATOR_DATASETS`, keyed by the SHA-256 of its page images (or by URI for
//! remote pages), so a request's inline images find their record.
//!
//! Reads `records.jsonl` line by line; a line that does not parse is skipped with a
//! warning (validating datasets is the dataset tooling's job, not the emulator's).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tally_core::dataset::DatasetRecord;

use crate::validate::ImageRef;

/// How deep below the root `records.jsonl` files are looked for.
const MAX_DEPTH: usize = 4;

#[derive(Debug, Default)]
pub struct DatasetIndex {
    records: Vec<IndexedRecord>,
    by_image: HashMap<ImageKey, Vec<usize>>,
    pub warnings: Vec<String>,
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
        let reader = match std::fs::File::open(records_file) {
            Ok(file) => std::io::BufReader::new(file),
            Err(e) => {
                return self
                    .warnings
                    .push(format!("{}: {e}", records_file.display()));
            }
        };
        for (number, line) in reader.lines().enumerate() {
            let place = format!("{}:{}", records_file.display(), number + 1);
            let line = match line {
                Ok(line) if line.trim().is_empty() => continue,
                Ok(line) => line,
                Err(e) => {
                    self.warnings.push(format!("{place}: {e}"));
                    break;
                }
            };
            let record: DatasetRecord = match serde_json::from_str(&line) {
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
                match std::fs::read(folder.join(path)) {
                    Ok(bytes) => keys.push(ImageKey::Sha256(hex::encode(Sha256::digest(&bytes)))),
                    Err(e) => self.warnings.push(format!("{place}: image {path}: {e}")),
                }
            }
            let expected =
                serde_json::to_value(&record.expected_output).unwrap_or(Value::Array(Vec::new()));
            let position = self.records.len();
            self.records.push(IndexedRecord {
                dataset: dataset.clone(),
                id: record.id,
                expected,
            });
            for key in keys {
                let slot = self.by_image.entry(key).or_default();
                if !slot.contains(&position) {
                    slot.push(position);
                }
            }
        }
    }

    /// The record most of `images` belong to (the first indexed on a tie).
    pub fn find(&self, images: &[ImageRef]) -> Option<&IndexedRecord> {
        let mut hits: HashMap<usize, usize> = HashMap::new();
        for image in images {
            let key = match image {
                ImageRef::Inline(sha) => ImageKey::Sha256(sha.clone()),
                ImageRef::Uri(uri) => ImageKey::Uri(uri.clone()),
            };
            for &position in self.by_image.get(&key).into_iter().flatten() {
                *hits.entry(position).or_default() += 1;
            }
        }
        hits.into_iter()
            .max_by(|(a_pos, a_hits), (b_pos, b_hits)| a_hits.cmp(b_hits).then(b_pos.cmp(a_pos)))
            .map(|(position, _)| &self.records[position])
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
