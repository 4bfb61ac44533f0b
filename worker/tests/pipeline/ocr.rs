//! The local OCR model end to end: a run submitted to tally-api with the model
//! `tesseract-tha` is executed by a worker that runs the real Tesseract, through the
//! same queues, progress and evaluators as a Gemini model. One record (three pages,
//! a few seconds of CPU) keeps it short.

use std::time::Duration;

use serde_json::{Value, json};
use tally_core::contract::RunStatus;
use tally_core::evaluators::{BALLOT_ACCURACY_SCORE, MetricValue};
use tally_core::run::{RecordStatus, RunId};

use crate::harness::{API_KEY, Harness, SAMPLE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tesseract_run_reads_the_pages_and_records_text_cpu_time_and_sources() {
    let mut harness = Harness::start("ocr", 0).await;
    harness.start_worker("w1").await;
    let api = harness.start_api().await;
    let accepted: Value = harness
        .http
        .post(format!("{api}/api/v1/experiments/run-async"))
        .header("X-API-Key", API_KEY)
        .json(&json!({"dataset_name": SAMPLE, "sample_size": 1,
                      "model_configs": [{"model": "tesseract-tha", "temperature": 0.0,
                                         "name_suffix": "ocr"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run = RunId::parse(accepted["run_id"].as_str().expect("a run id")).unwrap();
    let view = harness.wait_final(&run, Duration::from_secs(120)).await;
    assert_eq!(view.status, RunStatus::Succeeded);

    let experiment = harness.first_experiment(&run).await;
    let results = harness.store.all_results(&experiment).await.unwrap();
    assert_eq!(results.len(), 1);
    let result = &results[0];
    assert_eq!(result.status, RecordStatus::Succeeded, "{:?}", result.error);
    assert_eq!(result.cost_usd, Some(0.0));
    assert!(!result.emulated, "real reads of real pixels");
    assert!(result.cpu_ms.is_some_and(|ms| ms > 0));
    let ocr = result.ocr.as_ref().expect("the OCR text is kept");
    assert_eq!(ocr.pages.len(), 3);
    assert!(ocr.pages[0].contains("บัตรเสีย"), "{}", ocr.pages[0]);
    assert!(
        ocr.sources
            .keys()
            .any(|path| path.starts_with("Constituency.ballot_statistics."))
    );
    let MetricValue::Score(ballots) = result.evaluations.get(BALLOT_ACCURACY_SCORE) else {
        panic!("ballot accuracy is scored: {:?}", result.evaluations);
    };
    assert!(ballots.get() > 0.0, "some ballot field is read right");

    // Gemini (here its emulator) was never asked.
    let stats = harness.emulator_json("/_emulator/requests").await;
    assert_eq!(
        stats["requests"].as_array().map(Vec::len),
        Some(0),
        "{stats}"
    );

    // The results route shows the reading for the record drill-down.
    let page: Value = harness
        .http
        .get(format!(
            "{api}/api/v1/experiments/experiments/{experiment}/results"
        ))
        .header("X-API-Key", API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        page["results"][0]["ocr"]["pages"][0].as_str().is_some(),
        "{page}"
    );
    assert!(page["results"][0]["cpu_ms"].as_u64().is_some());
    harness.cleanup().await;
}
