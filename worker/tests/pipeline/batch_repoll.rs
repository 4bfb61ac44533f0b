//! A part's batch polled a second time: its first worker wrote a group of its
//! answers and died, and the worker that resumes the experiment writes the whole
//! batch's answers again. The results stored first stay, and the counters and
//! running totals count each record once.

use std::time::Duration;

use serde_json::json;
use tally_core::run::{RecordResult, RecordStatus, ResultTotals};
use tally_gemini::batch::{BatchClient, RequestLine};

use crate::batch::{MODEL, batch_request, emulator_batches, text_line};
use crate::harness::Harness;

/// A result the dead worker wrote, told apart from the batch's by its worker.
fn written_before(record_id: &str) -> RecordResult {
    serde_json::from_value(json!({
        "record_id": record_id, "status": "succeeded", "evaluations": {},
        "latency_ms": 0, "attempts": 1, "worker": "dead",
        "finished_at": "2026-12-01T00:00:00Z",
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_polled_again_writes_nothing_twice_and_counts_each_record_once() {
    let mut harness = Harness::start("batch-repoll", 0).await;
    harness
        .patch_emulator(json!({"batch": {"pending_ms": 0, "running_ms": 0}}))
        .await;
    let run = harness.submit(&batch_request()).await;
    let experiment = harness.first_experiment(&run).await;
    let record = harness
        .store
        .experiment(&experiment)
        .await
        .unwrap()
        .unwrap()
        .record;
    let (dataset, total) = (&record.dataset, record.total);
    let records = harness
        .store
        .dataset_record_range(&dataset.name, &dataset.content_hash, 0, total)
        .await
        .unwrap();
    assert_eq!(records.len(), 10);

    // The dead worker's state: the batch of the whole sample, created and recorded…
    let lines: Vec<RequestLine> = records.iter().map(|r| text_line(&r.id, "a")).collect();
    let client = BatchClient::new(&harness.gemini_config()).unwrap().unwrap();
    let created = client
        .create(MODEL, &format!("tally/{experiment}/p0"), &lines)
        .await
        .unwrap();
    harness
        .worker_store
        .record_batch(&experiment, "p0", &created.job.name, Some(&created.input))
        .await
        .unwrap();
    // …and the first group of its answers, written before it died.
    let before: Vec<RecordResult> = records[..4].iter().map(|r| written_before(&r.id)).collect();
    for result in &before {
        harness
            .worker_store
            .write_result(&experiment, result, None)
            .await
            .unwrap();
    }

    harness.start_worker("w").await;
    harness.wait_final(&run, Duration::from_secs(60)).await;
    let results = harness.store.all_results(&experiment).await.unwrap();
    assert_eq!(results.len(), 10);
    for result in &before {
        assert!(results.contains(result), "{} kept", result.record_id);
    }
    let progress = harness
        .store
        .experiment(&experiment)
        .await
        .unwrap()
        .unwrap()
        .progress;
    let failed = results
        .iter()
        .filter(|r| r.status == RecordStatus::Failed)
        .count() as u64;
    assert_eq!((progress.done, progress.failed), (10, failed));
    assert_eq!(
        harness.store.result_totals(&experiment).await.unwrap(),
        ResultTotals::from_results(&results)
    );
    assert_eq!(emulator_batches(&harness).await.len(), 1, "no second batch");
    harness.cleanup().await;
}
