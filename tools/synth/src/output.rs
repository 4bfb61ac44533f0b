//! Writing a dataset folder all at once: files go to a hidden sibling folder that is
//! renamed into place at the end, so an interrupted run never leaves a folder that
//! looks complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tally_core::dataset::{DatasetRecord, RECORDS_FILE};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{0} already exists; pass --force to replace it")]
    Exists(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The folder being written.
pub struct PendingFolder {
    target: PathBuf,
    staging: PathBuf,
    replace: bool,
    records: BufWriter<File>,
    bytes: u64,
}

/// Where the dataset ended up, and its size on disk.
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

impl PendingFolder {
    pub fn create(target: &Path, replace: bool) -> Result<PendingFolder, OutputError> {
        if target.exists() && !replace {
            return Err(OutputError::Exists(target.display().to_string()));
        }
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("dataset");
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        let records_path = staging.join(RECORDS_FILE);
        let records = BufWriter::new(File::create(&records_path).map_err(io(&records_path))?);
        Ok(PendingFolder {
            target: target.to_path_buf(),
            staging,
            replace,
            records,
            bytes: 0,
        })
    }

    /// Writes a file at `relative` (with `/` separators) inside the folder.
    pub fn add_file(&mut self, relative: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.staging.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io(&path))?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    pub fn add_record(&mut self, record: &DatasetRecord) -> Result<(), OutputError> {
        let path = self.staging.join(RECORDS_FILE);
        let line = serde_json::to_string(record).map_err(|e| io(&path)(e.into()))?;
        writeln!(self.records, "{line}").map_err(io(&path))?;
        self.bytes += line.len() as u64 + 1;
        Ok(())
    }

    /// Moves the finished folder into place (replacing an old one when allowed).
    pub fn commit(mut self) -> Result<Written, OutputError> {
        let records_path = self.staging.join(RECORDS_FILE);
        self.records.flush().map_err(io(&records_path))?;
        if self.target.exists() {
            if !self.replace {
                return Err(OutputError::Exists(self.target.display().to_string()));
            }
            std::fs::remove_dir_all(&self.target).map_err(io(&self.target))?;
        }
        std::fs::rename(&self.staging, &self.target).map_err(io(&self.target))?;
        Ok(Written {
            path: self.target.clone(),
            bytes: self.bytes,
        })
    }
}
