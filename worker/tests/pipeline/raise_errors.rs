//! `raise_errors`: the first record that still fails stops its experiment (true), or
//! is counted and the experiment goes on (false).

use std::time::Duration;

use tally_core::contract::{ExperimentStatus, RunStatus};
use tally_core::run::RecordStatus;

use crate::harness::{Harness, SAMPLE, repo_datasets, request};

/// A copy of the sample, to break after import.
fn broken_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = repo_datasets().join(SAMPLE);
    copy_tree(&from, &dir.path().join(SAMPLE));
    dir
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Deletes a page of the first and of the last record: no model can answer them.
/// With two, whatever order records run in, the first failure leaves the other
/// broken record (at least) to be skipped.
fn break_first_and_last(data: &std::path::Path) -> Vec<String> {
    let records = std::fs::read_to_string(data.join(SAMPLE).join("records.jsonl")).unwrap();
    let lines: Vec<&str> = records.lines().collect();
    [lines[0], lines[lines.len() - 1]]
        .iter()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let page = record["input"]["image_paths"][0].as_str().unwrap();
            std::fs::remove_file(data.join(SAMPLE).join(page)).unwrap();
            record["id"].as_str().unwrap().to_string()
        })
        .collect()
}

const ONE_MODEL: &str = r#"[{"model": "gemini-2.5-pro", "temperature": 0.0}]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raise_errors_true_stops_the_experiment_false_counts_the_record() {
    let data = broken_copy();
    let mut harness = Harness::start_with_data("raise", 20, data.path()).await;
    let broken = break_first_and_last(data.path());
    harness.start_worker("w").await;

    let stopping = harness
        .submit(&request(ONE_MODEL, r#", "jobs": 1, "raise_errors": true"#))
        .await;
    let view = harness.wait_final(&stopping, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Failed);
    let summary = &view.response.unwrap().experiments[0];
    assert_eq!(summary.status, ExperimentStatus::Failed);
    let results = harness
        .store
        .all_results(&view.record.experiments[0])
        .await
        .unwrap();
    let failures: Vec<_> = results
        .iter()
        .filter(|r| r.status == RecordStatus::Failed)
        .collect();
    assert_eq!(
        failures.len(),
        1,
        "the first failure stopped the experiment"
    );
    let failure = failures[0];
    assert!(broken.contains(&failure.record_id));
    let error = summary.error.as_deref().unwrap();
    assert!(
        error.contains(&format!(
            "record {} failed and raise_errors is set",
            failure.record_id
        )),
        "{error}"
    );
    assert!(
        results.len() < 10,
        "records after the failure are skipped ({} written)",
        results.len()
    );
    assert!(
        results.iter().all(|r| r.finished_at <= failure.finished_at),
        "nothing ran after the failure"
    );
    assert_eq!(
        summary.errors_by_kind.get("skipped").copied().unwrap_or(0),
        10 - results.len() as u64
    );
    assert_eq!(summary.failed_records, 10 - summary.successful_records);

    let going_on = harness
        .submit(&request(ONE_MODEL, r#", "jobs": 1, "raise_errors": false"#))
        .await;
    let view = harness.wait_final(&going_on, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let results = harness
        .store
        .all_results(&view.record.experiments[0])
        .await
        .unwrap();
    assert_eq!(results.len(), 10);
    let mut failed: Vec<_> = results
        .iter()
        .filter(|r| r.status == RecordStatus::Failed)
        .collect();
    failed.sort_by(|a, b| a.record_id.cmp(&b.record_id));
    assert_eq!(
        failed
            .iter()
            .map(|r| r.record_id.clone())
            .collect::<Vec<_>>(),
        broken
    );
    for record in failed {
        assert_eq!(record.error.as_ref().unwrap().kind, "invalid_input");
        assert_eq!(
            record.attempts, 0,
            "nothing was sent for an unreadable page"
        );
    }
    harness.cleanup().await;
}
