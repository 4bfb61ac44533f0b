//! Reads a dataset folder with `tesseract-tha` outside the service and prints one JSON
//! line: the summary evaluators and the CPU time per record. `bench/ocr_accuracy.sh`
//! runs it on clean and degraded datasets.
//!
//! cargo run --release -p tally-ocr --example accuracy -- DATASET_DIR [RECORDS]
//!
//! Pages are read one after the other, so the wall time is that of one core.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use tally_core::evaluators::{self, Outcome};
use tally_ocr::{OcrSettings, Tesseract, read_record};

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let folder = PathBuf::from(args.next().ok_or("usage: accuracy DATASET_DIR [RECORDS]")?);
    let limit: usize = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| format!("RECORDS must be a number, not {n}"))?,
        None => usize::MAX,
    };
    let dataset = tally_core::dataset::load(&folder).map_err(|problems| format!("{problems:?}"))?;
    let tesseract = Tesseract::new(OcrSettings::default());
    let (mut evaluations, mut cpu, mut wall) = (Vec::new(), Duration::ZERO, Duration::ZERO);
    for record in dataset.records.iter().take(limit) {
        let images: Vec<PathBuf> = record
            .input
            .image_paths
            .iter()
            .map(|p| dataset.folder.join(p))
            .collect();
        let outcome = match read_record(&tesseract, &images).await {
            Ok(read) => {
                cpu += read.cpu;
                wall += read.wall;
                Outcome::Reports(read.forms.reports)
            }
            Err(error) => Outcome::Failed(error.to_string()),
        };
        evaluations.push(evaluators::evaluate_record(
            Some(&record.expected_output),
            &outcome,
        ));
    }
    let records = evaluations.len().max(1) as u128;
    let summary = evaluators::summarize(&evaluations);
    println!(
        "{}",
        json!({
            "dataset": folder.display().to_string(),
            "records": evaluations.len(),
            "summary": summary,
            "cpu_ms_per_record": cpu.as_millis() / records,
            "wall_ms_per_record": wall.as_millis() / records,
        })
    );
    Ok(())
}
