//! The `tesseract` program, one process per page.
//!
//! A process rather than a binding crate: the bindings tie the build to one
//! libtesseract/leptonica version and to a C++ toolchain, while the program's TSV
//! output is stable across Tesseract 4 and 5, a hung or crashing read cannot take the
//! worker down, and a process's CPU time can be measured exactly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::prepare::prepare;
use super::process::{self, RunError};
use super::tsv::{self, PageText};

/// The Debian packages that provide the program and its Thai data.
pub const PACKAGES: &str = "tesseract-ocr tesseract-ocr-tha";

/// How the program is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrSettings {
    /// The program (`TALLY_TESSERACT`, default `tesseract` on the PATH).
    pub program: PathBuf,
    /// Longest a page may take before its process is killed (`TALLY_OCR_TIMEOUT_SECS`).
    pub timeout: Duration,
    /// Most pages read at once by this process (`TALLY_OCR_PROCESSES`, default the
    /// number of cores): each read keeps one core busy.
    pub processes: usize,
}

impl Default for OcrSettings {
    fn default() -> Self {
        OcrSettings {
            program: PathBuf::from("tesseract"),
            timeout: Duration::from_secs(120),
            processes: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    #[error(
        "the OCR program {program} is not installed (Debian/Ubuntu: apt-get install {PACKAGES})"
    )]
    NotInstalled { program: String },
    #[error(
        "Tesseract has no Thai language data (Debian/Ubuntu: apt-get install tesseract-ocr-tha): {detail}"
    )]
    NoThaiData { detail: String },
    #[error("reading {page} took longer than {seconds} s: stopped")]
    TimedOut { page: String, seconds: u64 },
    #[error("reading {page} failed: {detail}")]
    Failed { page: String, detail: String },
}

/// One page as read, and the CPU time the read took.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRead {
    pub text: PageText,
    pub cpu: Duration,
}

/// Runs Tesseract on pages, at most `processes` at a time.
#[derive(Debug, Clone)]
pub struct Tesseract {
    settings: OcrSettings,
    permits: Arc<Semaphore>,
}

impl Tesseract {
    pub fn new(settings: OcrSettings) -> Tesseract {
        Tesseract {
            permits: Arc::new(Semaphore::new(settings.processes.max(1))),
            settings,
        }
    }

    pub async fn read_page(&self, image: &Path) -> Result<PageRead, OcrError> {
        let page = image.display().to_string();
        let failed = |detail: String| OcrError::Failed {
            page: page.clone(),
            detail,
        };
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| failed("the OCR process pool is closed".to_string()))?;
        let (program, image_path) = (self.settings.program.clone(), image.to_path_buf());
        let timeout = self.settings.timeout;
        let finished = tokio::task::spawn_blocking(move || {
            // Kept until Tesseract is done with it.
            let prepared = prepared_copy(&image_path);
            let input = prepared
                .as_ref()
                .map_or(image_path.as_path(), |file| file.path());
            process::run(command(&program, input), timeout)
        })
        .await
        .map_err(|error| failed(error.to_string()))?;
        let finished = match finished {
            Ok(finished) => finished,
            Err(RunError::Spawn(error)) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(OcrError::NotInstalled {
                    program: self.settings.program.display().to_string(),
                });
            }
            Err(RunError::TimedOut(limit)) => {
                return Err(OcrError::TimedOut {
                    page,
                    seconds: limit.as_secs(),
                });
            }
            Err(error) => return Err(failed(error.to_string())),
        };
        let stderr = String::from_utf8_lossy(&finished.stderr);
        if !finished.success {
            let detail = last_lines(&stderr);
            return Err(if stderr.contains("Failed loading language") {
                OcrError::NoThaiData { detail }
            } else {
                failed(detail)
            });
        }
        let tsv = String::from_utf8(finished.stdout)
            .map_err(|_| failed("the TSV output is not UTF-8".to_string()))?;
        Ok(PageRead {
            text: tsv::parse(&tsv),
            cpu: finished.cpu,
        })
    }
}

/// `tesseract IMAGE stdout -l tha --psm 6 tsv`: page segmentation mode 6 reads the
/// page as one block of lines, which keeps each labelled row and table row on one
/// line; one OpenMP thread, so the process cap is also the core cap.
fn command(program: &Path, image: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .arg(image)
        .args(["stdout", "-l", "tha", "--psm", "6", "tsv"])
        .env("OMP_THREAD_LIMIT", "1");
    command
}

/// The page cleaned by `prepare` in a temporary file; `None` (Tesseract reads the
/// original) when the page is not a PNG or cannot be cleaned.
fn prepared_copy(image: &Path) -> Option<tempfile::NamedTempFile> {
    let bytes = std::fs::read(image).ok()?;
    let cleaned = prepare(&bytes).ok()?;
    let mut file = tempfile::Builder::new().suffix(".png").tempfile().ok()?;
    file.write_all(&cleaned).ok()?;
    Some(file)
}

/// The end of an error output: Tesseract prints its reason last.
fn last_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" / ")
}
