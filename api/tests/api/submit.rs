//! `/run-async` and `/run`: accepted runs are pollable; an Idempotency-Key returns
//! the same run; `/run` answers 200 when the run ends within the wait, 202 after.

use serde_json::{Value, json};

use crate::helpers::{KEY, SAMPLE, spawn_app};

fn request() -> Value {
    json!({"dataset_name": SAMPLE,
           "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "baseline"}]})
}

#[tokio::test]
async fn run_async_answers_202_with_a_pollable_run() {
    let app = spawn_app().await;
    app.import_sample().await;
    let response = app.post("/api/v1/experiments/run-async", &request()).await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "accepted");
    let run_id = body["run_id"].as_str().unwrap();
    assert!(run_id.starts_with("run_"), "{run_id}");
    assert_eq!(body["task_id"], body["run_id"]);
    let status_url = body["status_url"].as_str().unwrap();
    assert_eq!(
        status_url,
        app.url(&format!("/api/v1/experiments/runs/{run_id}"))
    );
    assert_eq!(location, status_url);
    assert!(body["message"].as_str().unwrap().contains(run_id));

    let status: Value = app
        .client
        .get(status_url)
        .header("X-API-Key", KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["run_id"], run_id);
    assert_eq!(status["status"], "queued");
    assert_eq!(status["result"], Value::Null);
    assert_eq!(status["submitter"]["api_key_name"], "ci");
    assert_eq!(status["dataset"]["version"], 1);
    assert_eq!(
        status["progress"],
        json!({"total": 10, "done": 0, "failed": 0, "retries": 0, "rate_limited": 0, "percent": 0.0})
    );
    assert_eq!(
        status["experiments"][0]["experiment_name"],
        "vote-extraction-baseline"
    );
    assert_eq!(status["experiments"][0]["status"], "pending");
    app.cleanup().await;
}

#[tokio::test]
async fn an_idempotency_key_returns_the_same_run() {
    let app = spawn_app().await;
    app.import_sample().await;
    let submit = |key: &'static str| {
        app.client
            .post(app.url("/api/v1/experiments/run-async"))
            .header("X-API-Key", KEY)
            .header("Idempotency-Key", key)
            .json(&request())
            .send()
    };
    let first = submit("nightly-2025-01-06").await.unwrap();
    assert_eq!(first.status(), 202);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = submit("nightly-2025-01-06").await.unwrap();
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["run_id"], first["run_id"]);
    let other: Value = submit("nightly-2025-01-13")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(other["run_id"], first["run_id"]);
    let list: Value = app.get_json("/api/v1/experiments/runs").await;
    assert_eq!(list["runs"].as_array().unwrap().len(), 2);
    app.cleanup().await;
}

#[tokio::test]
async fn run_returns_202_past_the_wait_and_the_run_goes_on() {
    let app = spawn_app().await;
    app.import_sample().await;
    let response = app
        .post("/api/v1/experiments/run?wait_seconds=0", &request())
        .await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("still in progress after 0 s"),
        "{body}"
    );
    let status: Value = app
        .get_json(&format!(
            "/api/v1/experiments/runs/{}",
            body["run_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status["status"], "queued");
    app.cleanup().await;
}

#[tokio::test]
async fn run_answers_200_with_the_response_when_the_run_ends_in_time() {
    let app = spawn_app().await;
    app.import_sample().await;
    let waiting = {
        let client = app.client.clone();
        let url = app.url("/api/v1/experiments/run?wait_seconds=30");
        tokio::spawn(async move {
            client
                .post(url)
                .header("X-API-Key", KEY)
                .json(&request())
                .send()
                .await
                .unwrap()
        })
    };
    // Play the worker: once the run exists, answer every record and finish it.
    let run = app.latest_run().await;
    let experiment = run.record.experiments[0].clone();
    for record in app.sample_records().await {
        let answer = Some(record.expected_output.clone());
        app.write_answer(&experiment, &record, answer).await;
    }
    app.finish_run(&run.record.run_id).await;

    let response = waiting.await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "success");
    assert_eq!(body["total_experiments"], 1);
    assert_eq!(body["dataset_name"], SAMPLE);
    assert_eq!(body["dataset_size"], 10);
    assert_eq!(body["experiments"][0]["overall_accuracy"], 1.0);
    assert_eq!(body["experiments"][0]["experiment_id"], experiment.as_str());
    app.cleanup().await;
}

#[tokio::test]
async fn a_run_or_an_import_that_cannot_fit_in_redis_is_422_with_the_numbers() {
    // A budget of one byte: nothing fits under it.
    let app =
        crate::helpers::spawn_app_with(|settings| settings.store.memory_budget = Some(1)).await;
    let import = app
        .post("/api/v1/datasets/import", &json!({"path": SAMPLE}))
        .await;
    let body = crate::helpers::error_of(import, 422).await;
    assert_eq!(body["error"]["details"][0]["field"], "path", "{body}");
    let message = body["error"]["details"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("the dataset needs about")
            && message.contains("TALLY_REDIS_MEMORY_BUDGET"),
        "{message}"
    );
    assert!(
        app.keys().await.is_empty(),
        "nothing written: {:?}",
        app.keys().await
    );

    // Imported past the API (no budget there), the run is refused by the API.
    let data_dir = tally_core::dataset::DataDir::open(&crate::helpers::datasets_dir()).unwrap();
    tally_store::import(&app.api_store().await, &data_dir, SAMPLE)
        .await
        .unwrap();
    let keys_before = app.keys().await;
    let response = app.post("/api/v1/experiments/run-async", &request()).await;
    let body = crate::helpers::error_of(response, 422).await;
    assert_eq!(body["error"]["code"], "invalid_request");
    assert_eq!(
        body["error"]["details"][0]["field"], "sample_size",
        "{body}"
    );
    let message = body["error"]["details"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("10 records over 1 experiment(s) × 1 trial(s)")
            && message.contains("0 bytes is free (TALLY_REDIS_MEMORY_BUDGET 1 bytes"),
        "{message}"
    );
    assert_eq!(app.keys().await, keys_before, "no run was stored");
    app.cleanup().await;
}
