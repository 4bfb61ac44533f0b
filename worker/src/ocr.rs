//! One record read by the local OCR model (`tesseract-tha`) instead of Gemini: same
//! scoring and result shape, no tokens, no cost, and the CPU time and text recorded.

use chrono::Utc;
use tally_core::contract::TokenUsage;
use tally_core::dataset::DatasetRecord;
use tally_core::evaluators::{self, Outcome};
use tally_core::run::{OcrTrace, RecordError, RecordResult, RecordStatus};
use tally_gemini::{Page, PageSource};

use crate::context::Context;
use crate::record::failed_result;

/// The error kind of a record whose pages could not be read.
pub const OCR_FAILED: &str = "ocr_failed";

/// Reads `record`'s pages with Tesseract and scores the reports. Never fails: a
/// missing program, missing Thai data, a remote page or a stuck read is a failed
/// result naming the cause.
pub async fn execute(context: &Context, record: &DatasetRecord) -> RecordResult {
    let mut images = Vec::new();
    for page in Page::of_record(context.data_dir.root(), record) {
        match page.source() {
            PageSource::File(path) => images.push(path.clone()),
            PageSource::Uri(uri) => {
                return failed(
                    context,
                    record,
                    format!("{uri}: tesseract-tha reads local page files only"),
                );
            }
        }
    }
    let read = match tally_ocr::read_record(&context.ocr, &images).await {
        Ok(read) => read,
        Err(error) => return failed(context, record, error.to_string()),
    };
    let outcome = Outcome::Reports(read.forms.reports);
    let sources = read
        .forms
        .sources
        .iter()
        .map(|(path, source)| (path.clone(), source.as_str().to_string()))
        .collect();
    RecordResult {
        record_id: record.id.clone(),
        trial: 0,
        status: RecordStatus::Succeeded,
        evaluations: evaluators::evaluate_record(Some(&record.expected_output), &outcome),
        output: match outcome {
            Outcome::Reports(reports) => Some(reports),
            Outcome::Failed(_) => None,
        },
        error: None,
        latency_ms: read.wall.as_millis() as u64,
        tokens: TokenUsage::default(),
        // Free: it runs on the worker's own cores (their cost is the CPU time).
        cost_usd: Some(0.0),
        attempts: 1,
        rate_limited: 0,
        model_version: Some(tally_ocr::MODEL.to_string()),
        finish_reason: None,
        emulated: false,
        worker: Some(context.name.clone()),
        cpu_ms: Some(read.cpu.as_millis() as u64),
        cached: false,
        cached_cost_usd: None,
        ocr: Some(OcrTrace {
            pages: read.pages,
            sources,
        }),
        finished_at: Utc::now(),
    }
}

fn failed(context: &Context, record: &DatasetRecord, message: String) -> RecordResult {
    let mut result = failed_result(
        &context.name,
        record,
        RecordError {
            kind: OCR_FAILED.to_string(),
            message,
        },
    );
    result.attempts = 1;
    result
}
