//! Run status with per-experiment progress, the run list, and cancel.

use serde_json::{Value, json};

use crate::helpers::{error_of, spawn_app, wrong_answer};

#[tokio::test]
async fn status_reports_progress_overall_and_per_experiment() {
    let app = spawn_app().await;
    let (run, experiments) = app
        .submit_run(&["gemini-2.5-flash", "gemini-2.5-flash-lite"])
        .await;
    let records = app.sample_records().await;
    for record in &records[..4] {
        app.write_answer(
            &experiments[0],
            record,
            Some(record.expected_output.clone()),
        )
        .await;
    }
    app.write_answer(
        &experiments[1],
        &records[0],
        Some(wrong_answer(&records[0])),
    )
    .await;
    app.write_answer(&experiments[1], &records[1], None).await;

    let status: Value = app
        .get_json(&format!("/api/v1/experiments/runs/{run}"))
        .await;
    assert_eq!(status["status"], "running");
    assert_eq!(
        status["progress"],
        json!({"total": 20, "done": 6, "failed": 1, "retries": 6, "rate_limited": 6, "percent": 30.0})
    );
    assert_eq!(
        status["experiments"][0]["progress"],
        json!({"total": 10, "done": 4, "failed": 0, "retries": 4, "rate_limited": 4, "percent": 40.0})
    );
    assert_eq!(status["experiments"][1]["progress"]["failed"], 1);
    assert_eq!(status["experiments"][0]["status"], "running");
    assert_eq!(status["result"], Value::Null);

    app.finish_run(&run).await;
    let status: Value = app
        .get_json(&format!("/api/v1/experiments/runs/{run}"))
        .await;
    assert_eq!(status["status"], "succeeded");
    assert_eq!(status["result"]["total_experiments"], 2);
    assert_eq!(status["experiments"][1]["status"], "success");
    assert!(status["finished_at"].is_string());
    app.cleanup().await;
}

#[tokio::test]
async fn the_list_is_newest_first_filtered_and_paginated() {
    let app = spawn_app().await;
    let (first, _) = app.submit_run(&["m1"]).await;
    let (second, _) = app.submit_run(&["m2"]).await;
    let (third, _) = app.submit_run(&["m3"]).await;
    app.finish_run(&second).await;

    let list: Value = app.get_json("/api/v1/experiments/runs").await;
    let ids: Vec<&str> = list["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [third.as_str(), second.as_str(), first.as_str()]);
    assert_eq!(list["next_offset"], Value::Null);

    let page: Value = app.get_json("/api/v1/experiments/runs?limit=2").await;
    assert_eq!(page["runs"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_offset"], 2);
    let rest: Value = app
        .get_json("/api/v1/experiments/runs?limit=2&offset=2")
        .await;
    assert_eq!(rest["runs"][0]["run_id"], first.as_str());
    assert_eq!(rest["next_offset"], Value::Null);

    let done: Value = app
        .get_json("/api/v1/experiments/runs?status=succeeded")
        .await;
    assert_eq!(done["runs"].as_array().unwrap().len(), 1);
    assert_eq!(done["runs"][0]["run_id"], second.as_str());
    assert_eq!(done["runs"][0]["api_key_name"], "ci");
    let scheduled: Value = app
        .get_json("/api/v1/experiments/runs?schedule=weekly")
        .await;
    assert_eq!(scheduled["runs"], json!([]));
    app.cleanup().await;
}

#[tokio::test]
async fn cancel_of_a_queued_run_flags_it_and_asks_for_finalize() {
    let app = spawn_app().await;
    let (run, experiments) = app.submit_run(&["m1", "m2"]).await;
    let response = app
        .post(
            &format!("/api/v1/experiments/runs/{run}/cancel"),
            &json!(null),
        )
        .await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["run_id"], run.as_str());
    assert_eq!(body["cancel_requested"], true);
    let status: Value = app
        .get_json(&format!("/api/v1/experiments/runs/{run}"))
        .await;
    assert_eq!(status["cancel_requested"], true);
    // A finalize job per experiment that is not final waits in its queue.
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("tally_queue_waiting_jobs{queue=\"finalize\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tally_queue_waiting_jobs{queue=\"plan\"} 2"),
        "{metrics}"
    );
    assert_eq!(experiments.len(), 2);
    // Repeating it is harmless.
    let again = app
        .post(
            &format!("/api/v1/experiments/runs/{run}/cancel"),
            &json!(null),
        )
        .await;
    assert_eq!(again.status(), 202);
    app.cleanup().await;
}

#[tokio::test]
async fn cancel_of_a_finished_run_is_409() {
    let app = spawn_app().await;
    let (run, _) = app.submit_run(&["m1"]).await;
    app.finish_run(&run).await;
    let response = app
        .post(
            &format!("/api/v1/experiments/runs/{run}/cancel"),
            &json!(null),
        )
        .await;
    assert_eq!(
        error_of(response, 409).await,
        json!({"error": {"code": "conflict",
                         "message": format!("run {run} already ended with status succeeded; there is nothing to cancel"),
                         "details": []}})
    );
    app.cleanup().await;
}
