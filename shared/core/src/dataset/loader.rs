//! Reading and validating a dataset folder: `records.jsonl` plus its page images.
//!
//! Every line is checked and every problem reported (with its line number) before
//! anything is returned: a dataset is either wholly valid or not loaded at all.
//! `Validator` holds the checks of one line after another; `load` and `load_lines`
//! keep the records it passes, `stream::validate_folder` only counts them.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::hash::{ContentHash, ContentHasher};
use super::image::{ImageRef, read_local_image};
use super::problem::Problem;
use super::record::DatasetRecord;
use crate::contract::is_forbidden_in_names;
use crate::extraction::FormType;

/// The records file inside a dataset folder.
pub const RECORDS_FILE: &str = "records.jsonl";

/// Longest line of `records.jsonl`: a record is a few kilobytes of reports.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Most records one dataset may hold: the largest size measured end to end (import,
/// run, finalize: BENCHMARKS.md, "Scale ×10"). A folder is validated and stored a
/// block at a time, so the bound is on Redis memory (a version's blocks, a run's
/// results), which `footprint` checks before writing, not on the importer's.
pub const MAX_RECORDS: usize = 1_000_000;
/// Longest record id; ids appear in URLs and result rows.
pub const MAX_RECORD_ID_CHARS: usize = 200;

/// A validated dataset folder.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The folder, canonical (symlinks resolved).
    pub folder: PathBuf,
    /// The records in file order; local image paths are relative to `folder`.
    pub records: Vec<DatasetRecord>,
    pub content_hash: ContentHash,
}

/// Loads and validates the dataset in `folder`, or lists everything wrong with it.
pub fn load(folder: &Path) -> Result<Dataset, Vec<Problem>> {
    let (folder, file) = open_records(folder)?;
    load_lines(folder, RECORDS_FILE, read_lines(file))
}

/// The canonical `folder` and its `records.jsonl`, opened; a folder that is not
/// one, or a records file that is a link or cannot be read, is a problem.
pub(super) fn open_records(folder: &Path) -> Result<(PathBuf, std::fs::File), Vec<Problem>> {
    let folder = match folder.canonicalize() {
        Ok(folder) if folder.is_dir() => folder,
        Ok(_) => {
            return Err(vec![Problem::in_file(
                ".",
                "the dataset path is not a folder",
            )]);
        }
        Err(e) => {
            return Err(vec![Problem::in_file(
                ".",
                format!("the dataset folder cannot be opened: {e}"),
            )]);
        }
    };
    // A link could make the records of another folder (or any file) this dataset's.
    match std::fs::symlink_metadata(folder.join(RECORDS_FILE)) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(vec![Problem::in_file(
                RECORDS_FILE,
                "is a symbolic link; it must be a regular file inside the dataset folder",
            )]);
        }
        Ok(meta) if !meta.is_file() => {
            return Err(vec![Problem::in_file(
                RECORDS_FILE,
                "is not a regular file",
            )]);
        }
        _ => {}
    }
    match std::fs::File::open(folder.join(RECORDS_FILE)) {
        Ok(file) => Ok((folder, file)),
        Err(e) => Err(vec![Problem::in_file(
            RECORDS_FILE,
            format!("cannot be read: {e}"),
        )]),
    }
}

/// The lines of an opened records file, a read error as the problem's message.
pub(super) fn read_lines(file: std::fs::File) -> impl Iterator<Item = Result<String, String>> {
    BufReader::new(file)
        .lines()
        .map(|line| line.map_err(|e| format!("cannot be read: {e}")))
}

/// Validates records given as JSON lines (numbered from 1, each located as
/// `{file}:{line}` in a problem), their local images looked up in `folder` exactly
/// as for a dataset folder: the checks of `load` without reading `records.jsonl`.
/// `folder` should be canonical; one that does not exist makes every local image a
/// problem and leaves `gs://` / `https://` images as they are.
pub fn load_lines(
    folder: PathBuf,
    file: &str,
    lines: impl IntoIterator<Item = Result<String, String>>,
) -> Result<Dataset, Vec<Problem>> {
    let mut validator = Validator::new(folder, file);
    let mut records = Vec::new();
    for line in lines {
        match validator.check(line) {
            Checked::Record(record) => records.push(*record),
            Checked::Skipped => {}
            Checked::Stop => break,
        }
    }
    let (folder, validated) = validator.finish()?;
    Ok(Dataset {
        folder,
        records,
        content_hash: validated.content_hash,
    })
}

/// What one line of `records.jsonl` turned out to be.
pub enum Checked {
    /// A record that parsed (it may still have problems: see `Validator::finish`).
    Record(Box<DatasetRecord>),
    /// A blank or invalid line.
    Skipped,
    /// Nothing after this line can be read or accepted.
    Stop,
}

/// What a validation found for a whole file: its records' count and content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    pub records: u64,
    pub content_hash: ContentHash,
}

/// The checks of `load_lines`, one line at a time, so a file of any length is
/// validated without holding its records: only each record's id is kept (to find
/// duplicates), the content hash is accumulated as lines arrive.
pub struct Validator {
    folder: PathBuf,
    file: String,
    number: usize,
    records: usize,
    problems: Vec<Problem>,
    hasher: ContentHasher,
    first_line_of_id: HashMap<String, usize>,
}

impl Validator {
    /// Lines of `file`, local images looked up in `folder` (canonical).
    pub fn new(folder: PathBuf, file: &str) -> Validator {
        Validator {
            folder,
            file: file.to_string(),
            number: 0,
            records: 0,
            problems: Vec::new(),
            hasher: ContentHasher::new(),
            first_line_of_id: HashMap::new(),
        }
    }

    /// Whether a problem was found so far.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Checks the next line (or the error reading it).
    pub fn check(&mut self, line: Result<String, String>) -> Checked {
        self.number += 1;
        let (file, number) = (self.file.as_str(), self.number);
        let line = match line {
            Ok(line) => line,
            Err(message) => {
                self.problems.push(Problem::at_line(file, number, message));
                return Checked::Stop;
            }
        };
        if line.trim().is_empty() {
            return Checked::Skipped;
        }
        if line.len() > MAX_LINE_BYTES {
            self.problems.push(Problem::at_line(
                file,
                number,
                format!("the line is longer than the limit of {MAX_LINE_BYTES} bytes"),
            ));
            return Checked::Skipped;
        }
        if self.records == MAX_RECORDS {
            self.problems.push(Problem::at_line(
                file,
                number,
                format!("a dataset holds at most {MAX_RECORDS} records"),
            ));
            return Checked::Stop;
        }
        let mut line_problems = Vec::new();
        let checked = check_line(&self.folder, &line, &mut line_problems, &mut self.hasher);
        if let Some(record) = &checked {
            self.records += 1;
            match self.first_line_of_id.get(&record.id) {
                Some(first) => {
                    line_problems.push(format!(
                        "duplicate id {:?} (first on line {first})",
                        record.id
                    ));
                }
                None => {
                    self.first_line_of_id.insert(record.id.clone(), number);
                }
            }
        }
        self.problems.extend(
            line_problems
                .into_iter()
                .map(|m| Problem::at_line(file, number, m)),
        );
        match checked {
            Some(record) => Checked::Record(Box::new(record)),
            None => Checked::Skipped,
        }
    }

    /// The folder and what was validated, or every problem found.
    pub fn finish(mut self) -> Result<(PathBuf, Validated), Vec<Problem>> {
        if self.problems.is_empty() && self.records == 0 {
            self.problems
                .push(Problem::in_file(&self.file, "holds no records"));
        }
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        Ok((
            self.folder,
            Validated {
                records: self.records as u64,
                content_hash: self.hasher.finish(),
            },
        ))
    }
}

/// Checks one non-blank line; returns the record when it parsed (even if other checks
/// failed, so duplicate ids are still found), adding each problem to `problems`.
fn check_line(
    folder: &Path,
    line: &str,
    problems: &mut Vec<String>,
    hasher: &mut ContentHasher,
) -> Option<DatasetRecord> {
    // One pass straight into the typed record; the error says whether the line is
    // not JSON at all or JSON of the wrong shape (with the path to the field).
    let mut json = serde_json::Deserializer::from_str(line);
    let record: DatasetRecord = match serde_path_to_error::deserialize(&mut json) {
        Ok(record) => record,
        Err(e) if e.inner().is_syntax() || e.inner().is_eof() => {
            problems.push(format!("not valid JSON: {}", at_column(e.inner())));
            return None;
        }
        Err(e) => {
            problems.push(format!("{}: {}", e.path(), at_column(e.inner())));
            return None;
        }
    };
    if let Err(e) = json.end() {
        problems.push(format!("not valid JSON: {}", at_column(&e)));
        return None;
    }
    if record.id.trim().is_empty() {
        problems.push("id is empty".to_string());
    } else if record.id.chars().count() > MAX_RECORD_ID_CHARS {
        problems.push(format!(
            "id is longer than {MAX_RECORD_ID_CHARS} characters"
        ));
    } else if let Some(bad) = record.id.chars().find(|c| is_forbidden_in_names(*c)) {
        problems.push(format!(
            "id must not contain control or bidirectional-control characters (found {bad:?})"
        ));
    }
    check_reports(&record, problems);
    let images = &record.input.image_paths;
    if images.len() != record.input.num_pages as usize {
        problems.push(format!(
            "input.num_pages is {} but input.image_paths lists {} image(s)",
            record.input.num_pages,
            images.len()
        ));
    }
    hasher.add_record(&record);
    for (i, raw) in images.iter().enumerate() {
        let checked = ImageRef::parse(raw).and_then(|image| match image {
            ImageRef::Local(path) => {
                read_local_image(folder, path).map(|bytes| hasher.add_image(&bytes))
            }
            ImageRef::Remote(_) => Ok(()),
        });
        if let Err(message) = checked {
            problems.push(format!("input.image_paths[{i}]: {message}"));
        }
    }
    Some(record)
}

/// serde_json's message with its position given as a column only: every record is
/// one line, and the line number is already in the problem.
fn at_column(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&suffix) {
        Some(bare) if error.column() > 0 => format!("{bare} (column {})", error.column()),
        Some(bare) => bare.to_string(),
        None => message,
    }
}

/// Ground truth needs at least one report and at most one per form type, since
/// answers are scored report by report, matched on the form type.
fn check_reports(record: &DatasetRecord, problems: &mut Vec<String>) {
    if record.expected_output.is_empty() {
        problems.push("expected_output is empty: a record needs at least one report".to_string());
    }
    let mut seen: BTreeMap<FormType, usize> = BTreeMap::new();
    for (i, report) in record.expected_output.iter().enumerate() {
        match seen.get(&report.form_type()) {
            Some(first) => problems.push(format!(
                "expected_output[{i}]: a second {} report (the first is expected_output[{first}])",
                report.form_type().as_str()
            )),
            None => {
                seen.insert(report.form_type(), i);
            }
        }
    }
}
