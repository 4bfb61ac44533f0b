use chrono::Utc;
use serde_json::{Value, json};

use super::*;
use crate::contract::{ExperimentRequest, ExperimentResponse};
use crate::dataset::ContentHash;
use crate::run::{DatasetPin, RunRecord, Submitter};

fn schedule(accuracy_drop: f64, success_rate_drop: f64) -> Schedule {
    Schedule::from_json(&json!({
        "name": "weekly",
        "cron": "0 8 * * 1",
        "request": {"dataset_name": "ds", "model_configs": [{"model": "m", "temperature": 0.0}]},
        "alerts": {"accuracy_drop": accuracy_drop, "success_rate_drop": success_rate_drop}
    }))
    .unwrap()
}

/// A final run whose experiments have these (name, overall_accuracy, success_rate).
fn run(status: RunStatus, experiments: &[(&str, f64, f64)]) -> RunView {
    let summaries: Vec<Value> = experiments
        .iter()
        .enumerate()
        .map(|(i, (name, accuracy, success))| {
            json!({
                "experiment_id": format!("exp-{i}"), "experiment_name": name,
                "experiment_url": format!("http://tally.test/ui/#/experiments/{name}"),
                "model": "m", "temperature": 0.0, "status": "success",
                "total_records": 5, "successful_records": 5, "failed_records": 0,
                "overall_accuracy": accuracy, "success_rate": success, "avg_ballot_accuracy": 1.0
            })
        })
        .collect();
    let response: ExperimentResponse = serde_json::from_value(json!({
        "status": "success", "message": "", "total_experiments": experiments.len(),
        "successful_experiments": experiments.len(), "failed_experiments": 0,
        "experiments": summaries, "dataset_name": "ds", "dataset_size": 5,
        "project_name": "p", "comparison_url": null, "dataset_id": null
    }))
    .unwrap();
    let request = ExperimentRequest::from_json_bytes(
        br#"{"dataset_name": "ds", "model_configs": [{"model": "m", "temperature": 0.0}]}"#,
    )
    .unwrap();
    RunView {
        record: RunRecord {
            run_id: RunId::generate(),
            request,
            dataset: DatasetPin {
                name: crate::contract::DatasetName::parse("ds").unwrap(),
                version: 1,
                size: 5,
                content_hash: ContentHash::parse(&format!("sha256:{}", "0".repeat(64))).unwrap(),
            },
            experiments: Vec::new(),
            submitter: Submitter::default(),
            created_at: Utc::now(),
            retry_of: None,
        },
        status,
        created_at: Utc::now(),
        started_at: None,
        finished_at: Some(Utc::now()),
        cancel_requested: false,
        response: Some(response),
    }
}

fn urls() -> PublicUrls {
    PublicUrls::new("http://tally.test")
}

#[test]
fn a_drop_beyond_the_threshold_alerts_with_the_numbers() {
    let previous = run(
        RunStatus::Succeeded,
        &[
            ("vote-extraction-ci-lite", 0.9, 1.0),
            ("vote-extraction-ci-flash", 0.95, 1.0),
        ],
    );
    let current = run(
        RunStatus::Succeeded,
        &[
            ("vote-extraction-ci-lite", 0.6, 0.8),
            ("vote-extraction-ci-flash", 0.93, 1.0),
        ],
    );
    let alert = check_regression(&schedule(0.05, 0.1), &current, Some(&previous), &urls()).unwrap();
    assert_eq!(
        alert.reasons,
        [AlertReason::AccuracyDrop, AlertReason::SuccessRateDrop]
    );
    assert_eq!(alert.regressions.len(), 2);
    let accuracy = &alert.regressions[0];
    assert_eq!(accuracy.experiment_name, "vote-extraction-ci-lite");
    assert_eq!(accuracy.metric, "overall_accuracy");
    assert_eq!((accuracy.previous, accuracy.current), (0.9, 0.6));
    assert!((accuracy.drop - 0.3).abs() < 1e-12);
    assert_eq!(accuracy.threshold, 0.05);
    assert_eq!(alert.regressions[1].metric, "success_rate");
    assert_eq!(alert.run_id, current.record.run_id.to_string());
    assert_eq!(
        alert.previous_run_id.as_deref(),
        Some(previous.record.run_id.as_str())
    );
    assert_eq!(alert.links.run, urls().run_page(&current.record.run_id));
    assert!(
        alert.text.contains(
            "vote-extraction-ci-lite: overall_accuracy 0.900 → 0.600 (−0.300, threshold 0.050)"
        ),
        "{}",
        alert.text
    );
    let body = serde_json::to_value(&alert).unwrap();
    assert_eq!(
        body["reasons"],
        json!(["accuracy_drop", "success_rate_drop"])
    );
    assert_eq!(body["regressions"][0]["previous"], json!(0.9));
    assert!(body["text"].is_string());
}

#[test]
fn small_drops_new_experiments_and_first_runs_raise_nothing() {
    let previous = run(RunStatus::Succeeded, &[("a", 0.9, 1.0)]);
    let current = run(RunStatus::Succeeded, &[("a", 0.86, 0.95), ("b", 0.1, 0.1)]);
    assert_eq!(
        check_regression(&schedule(0.05, 0.1), &current, Some(&previous), &urls()),
        None
    );
    assert_eq!(
        check_regression(&schedule(0.05, 0.1), &current, None, &urls()),
        None
    );
    // A rise is never a regression, and a zero threshold still needs a fall.
    let better = run(RunStatus::Succeeded, &[("a", 0.95, 1.0)]);
    assert_eq!(
        check_regression(&schedule(0.0, 0.0), &better, Some(&previous), &urls()),
        None
    );
}

#[test]
fn a_failed_run_always_alerts() {
    let failed = run(RunStatus::Failed, &[("a", 0.0, 0.0)]);
    let alert = check_regression(&schedule(0.05, 0.1), &failed, None, &urls()).unwrap();
    assert_eq!(alert.reasons, [AlertReason::RunFailed]);
    assert!(alert.text.contains("failed"), "{}", alert.text);
    assert_eq!(alert.links.previous_run, None);
}
