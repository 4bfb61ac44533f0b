//! Every error status of the contract with its exact body.

use serde_json::{Value, json};

use crate::helpers::{SAMPLE, error_of, spawn_app, spawn_app_with};

fn body(code: &str, message: &str, details: Value) -> Value {
    json!({"error": {"code": code, "message": message, "details": details}})
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/experiments/run-async"))
        .header("X-API-Key", crate::helpers::KEY)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response, 400).await,
        body(
            "malformed_body",
            "request body is not valid JSON: key must be a string at line 1 column 2",
            json!([])
        )
    );
    let response = app.post("/api/v1/experiments/run", &json!([1, 2])).await;
    assert_eq!(
        error_of(response, 400).await,
        body(
            "malformed_body",
            "request body must be a JSON object, got an array",
            json!([])
        )
    );
    app.cleanup().await;
}

#[tokio::test]
async fn invalid_fields_are_422_with_every_violation() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/experiments/run-async",
            &json!({"dataset_name": "d", "jobs": 0,
                    "model_configs": [{"model": "m", "temperature": 3.5}]}),
        )
        .await;
    assert_eq!(
        error_of(response, 422).await,
        body(
            "invalid_request",
            "model_configs[0].temperature: must be between 0.0 and 2.0, got 3.5; \
             jobs: must be between 1 and 1000, got 0",
            json!([
                {"field": "model_configs[0].temperature", "message": "must be between 0.0 and 2.0, got 3.5"},
                {"field": "jobs", "message": "must be between 1 and 1000, got 0"}
            ])
        )
    );
    // The response cache mode, at the request and in a configuration.
    let response = app
        .post(
            "/api/v1/experiments/run-async",
            &json!({"dataset_name": "d", "cache": "always",
                    "model_configs": [{"model": "m", "temperature": 0, "cache": "writeonly"}]}),
        )
        .await;
    assert_eq!(
        error_of(response, 422).await,
        body(
            "invalid_request",
            "model_configs[0].cache: must be one of off, read_write, read, refresh, got \"writeonly\"; \
             cache: must be one of off, read_write, read, refresh, got \"always\"",
            json!([
                {"field": "model_configs[0].cache", "message": "must be one of off, read_write, read, refresh, got \"writeonly\""},
                {"field": "cache", "message": "must be one of off, read_write, read, refresh, got \"always\""}
            ])
        )
    );
    // Trials: 1 to 20, at the request and in a configuration.
    let response = app
        .post(
            "/api/v1/experiments/run-async",
            &json!({"dataset_name": "d", "trials": 21,
                    "model_configs": [{"model": "m", "temperature": 1, "trials": 0}]}),
        )
        .await;
    assert_eq!(
        error_of(response, 422).await,
        body(
            "invalid_request",
            "model_configs[0].trials: must be between 1 and 20, got 0; \
             trials: must be between 1 and 20, got 21",
            json!([
                {"field": "model_configs[0].trials", "message": "must be between 1 and 20, got 0"},
                {"field": "trials", "message": "must be between 1 and 20, got 21"}
            ])
        )
    );
    // Query parameters: typed, named, unknown ones refused.
    let response = app
        .get("/api/v1/experiments/runs?limit=0&status=done&limt=5")
        .await;
    assert_eq!(
        error_of(response, 422).await,
        body(
            "invalid_request",
            "status: must be one of queued, running, succeeded, partial, failed, cancelled, got \"done\"; \
             limit: must be an integer between 1 and 1000, got \"0\"; \
             limt: unknown query parameter; known: limit, offset, schedule, status",
            json!([
                {"field": "status", "message": "must be one of queued, running, succeeded, partial, failed, cancelled, got \"done\""},
                {"field": "limit", "message": "must be an integer between 1 and 1000, got \"0\""},
                {"field": "limt", "message": "unknown query parameter; known: limit, offset, schedule, status"}
            ])
        )
    );
    app.cleanup().await;
}

#[tokio::test]
async fn unknown_things_are_404_naming_them() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/experiments/run-async",
            &json!({"dataset_name": "nope", "model_configs": [{"model": "m", "temperature": 0}]}),
        )
        .await;
    assert_eq!(
        error_of(response, 404).await,
        body(
            "not_found",
            "dataset_name: no dataset named \"nope\"",
            json!([{"field": "dataset_name", "message": "no dataset named \"nope\""}])
        )
    );
    app.import_sample().await;
    let response = app
        .post(
            "/api/v1/experiments/run-async",
            &json!({"dataset_name": SAMPLE, "dataset_version": 9,
                    "model_configs": [{"model": "m", "temperature": 0}]}),
        )
        .await;
    assert_eq!(
        error_of(response, 404).await,
        body(
            "not_found",
            &format!("dataset_version: dataset \"{SAMPLE}\" has no version 9"),
            json!([{"field": "dataset_version", "message": format!("dataset \"{SAMPLE}\" has no version 9")}])
        )
    );
    let run = "run_01jd5x00000000000000000000";
    assert_eq!(
        error_of(
            app.get(&format!("/api/v1/experiments/runs/{run}")).await,
            404
        )
        .await,
        body("not_found", &format!("no run {run}"), json!([]))
    );
    assert_eq!(
        error_of(app.get("/api/v1/experiments/runs/abc").await, 404).await,
        body(
            "not_found",
            "no such run: \"abc\" is not a valid id (expected run_<26 lower-case letters or digits>)",
            json!([])
        )
    );
    let experiment = "exp_01jd5x00000000000000000000";
    assert_eq!(
        error_of(
            app.get(&format!(
                "/api/v1/experiments/experiments/{experiment}/results"
            ))
            .await,
            404
        )
        .await,
        body(
            "not_found",
            &format!("no experiment {experiment}"),
            json!([])
        )
    );
    assert_eq!(
        error_of(app.get("/api/v1/datasets/unknown-set").await, 404).await,
        body("not_found", "no dataset named \"unknown-set\"", json!([]))
    );
    assert_eq!(
        error_of(app.get("/api/v1/nothing/here").await, 404).await,
        body("not_found", "no route /api/v1/nothing/here", json!([]))
    );
    assert_eq!(
        error_of(app.get("/api/v1/experiments/run-async").await, 405).await,
        body(
            "method_not_allowed",
            "method not allowed on this path",
            json!([])
        )
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app_with(|s| s.body_limit_bytes = 1000).await;
    let big = json!({"dataset_name": "x".repeat(2000)});
    let response = app.post("/api/v1/experiments/run-async", &big).await;
    assert_eq!(
        error_of(response, 413).await,
        body(
            "payload_too_large",
            "request body is larger than the limit of 1000 bytes",
            json!([])
        )
    );
    app.cleanup().await;
}

#[tokio::test]
async fn an_over_long_uri_and_over_large_headers_are_json_errors() {
    let app = spawn_app().await;
    let long = format!("/api/v1/datasets?{}", "a".repeat(9 * 1024));
    let response = app.get(&long).await;
    assert_eq!(
        error_of(response, 414).await,
        body(
            "uri_too_long",
            "the request URI is longer than the limit of 8192 bytes",
            json!([])
        )
    );
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("X-Padding", "b".repeat(17 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response, 431).await,
        body(
            "headers_too_large",
            "the request headers are larger than the limit of 16384 bytes in total",
            json!([])
        )
    );
    app.cleanup().await;
}
