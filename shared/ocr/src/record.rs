//! One record's pages, read one after the other and turned into reports.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::reader::{FormsRead, read_forms};
use super::tesseract::{OcrError, Tesseract};

/// The model id of a configuration that runs on this crate instead of Gemini.
pub const MODEL: &str = "tesseract-tha";

/// What a record's read produced and cost.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRead {
    pub forms: FormsRead,
    /// Each page's text as Tesseract read it, for inspection.
    pub pages: Vec<String>,
    /// CPU time of all the page reads.
    pub cpu: Duration,
    /// Wall time from the first page's start to the reports.
    pub wall: Duration,
}

pub async fn read_record(
    tesseract: &Tesseract,
    images: &[PathBuf],
) -> Result<RecordRead, OcrError> {
    let started = Instant::now();
    let mut texts = Vec::with_capacity(images.len());
    let mut cpu = Duration::ZERO;
    for image in images {
        let page = tesseract.read_page(image).await?;
        cpu += page.cpu;
        texts.push(page.text);
    }
    let forms = read_forms(&texts);
    Ok(RecordRead {
        forms,
        pages: texts.iter().map(|t| t.text()).collect(),
        cpu,
        wall: started.elapsed(),
    })
}
