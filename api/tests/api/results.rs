//! Experiment detail and per-record results: JSON pages, CSV and JSON lines exports.

use serde_json::{Value, json};

use crate::helpers::{spawn_app, wrong_answer};

#[tokio::test]
async fn detail_shows_progress_then_the_summary_once_final() {
    let app = spawn_app().await;
    let (run, experiments) = app.submit_run(&["gemini-2.5-flash"]).await;
    let experiment = &experiments[0];
    let records = app.sample_records().await;
    app.write_answer(
        experiment,
        &records[0],
        Some(records[0].expected_output.clone()),
    )
    .await;
    let path = format!("/api/v1/experiments/experiments/{experiment}");
    let detail: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(detail["experiment_id"], experiment.as_str());
    assert_eq!(detail["run_id"], run.as_str());
    assert_eq!(detail["config"]["model"], "gemini-2.5-flash");
    assert_eq!(detail["status"], "running");
    assert_eq!(detail["progress"]["done"], 1);
    assert_eq!(detail["summary"], Value::Null);
    assert_eq!(detail["results_url"], app.url(&format!("{path}/results")));

    app.finish_run(&run).await;
    let detail: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(detail["status"], "success");
    // One record answered right, nine never answered: 1/10.
    assert_eq!(detail["summary"]["successful_records"], 1);
    assert_eq!(detail["summary"]["overall_accuracy"], 0.1);
    app.cleanup().await;
}

#[tokio::test]
async fn results_come_in_pages_in_write_order() {
    let app = spawn_app().await;
    let (_, experiments) = app.submit_run(&["m"]).await;
    let experiment = &experiments[0];
    let records = app.sample_records().await;
    for record in records.iter().rev().take(3) {
        app.write_answer(experiment, record, Some(record.expected_output.clone()))
            .await;
    }
    let base = format!("/api/v1/experiments/experiments/{experiment}/results");
    let page: Value = app.get_json(&format!("{base}?limit=2")).await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["next_offset"], 2);
    let ids: Vec<&str> = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["unit-10", "unit-09"]);
    assert_eq!(page["results"][0]["evaluations"]["exact_form_match"], true);
    let rest: Value = app.get_json(&format!("{base}?limit=2&offset=2")).await;
    assert_eq!(rest["results"][0]["record_id"], "unit-08");
    assert_eq!(rest["next_offset"], Value::Null);
    app.cleanup().await;
}

#[tokio::test]
async fn csv_and_jsonl_export_every_result_with_evaluators_as_columns() {
    let app = spawn_app().await;
    let (_, experiments) = app.submit_run(&["m"]).await;
    let experiment = &experiments[0];
    let records = app.sample_records().await;
    app.write_answer(experiment, &records[1], Some(wrong_answer(&records[1])))
        .await;
    app.write_answer(
        experiment,
        &records[0],
        Some(records[0].expected_output.clone()),
    )
    .await;
    app.write_answer(experiment, &records[2], None).await;
    let base = format!("/api/v1/experiments/experiments/{experiment}/results");

    let response = app.get(&format!("{base}?format=csv")).await;
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"{experiment}.csv\"").as_str()
    );
    let text = response.text().await.unwrap();
    let rows: Vec<Vec<&str>> = text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    let header = &rows[0];
    assert_eq!(&header[..4], ["record_id", "trial", "status", "error_kind"]);
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for evaluator in [
        "exact_form_match",
        "ballot_accuracy_score",
        "vote_results_quality",
        "has_no_errors",
    ] {
        assert!(header.contains(&evaluator), "{evaluator} in {header:?}");
    }
    // Sorted by record id; values as stored.
    assert_eq!(rows[1][0], "unit-01");
    assert_eq!(rows[1][column("status")], "succeeded");
    assert_eq!(rows[1][column("ballot_accuracy_score")], "1");
    assert_eq!(rows[2][0], "unit-02");
    let wrong_score: f64 = rows[2][column("ballot_accuracy_score")].parse().unwrap();
    assert!(wrong_score < 1.0, "{wrong_score}");
    assert_eq!(rows[3][column("status")], "failed");
    assert_eq!(rows[3][column("error_kind")], "model_error");
    assert_eq!(rows[3][column("has_no_errors")], "false");
    assert_eq!(rows[3][column("retries")], "1");

    let response = app.get(&format!("{base}?format=jsonl")).await;
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["record_id"], "unit-01");
    assert_eq!(
        lines[0]["output"],
        serde_json::to_value(&records[0].expected_output).unwrap()
    );
    assert_eq!(
        lines[2]["error"],
        json!({"kind": "model_error", "message": "the model answered 500"})
    );
    app.cleanup().await;
}
