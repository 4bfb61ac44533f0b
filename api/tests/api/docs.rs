//! The OpenAPI document matches what the API answers; the docs page is self-contained;
//! metrics count requests and submissions.

use serde_json::{Map, Value, json};

use crate::helpers::{SAMPLE, spawn_app};

/// Checks `value` against `schema`: every object key documented, every required key
/// present, recursively through `$ref`, `anyOf`, arrays and maps.
pub fn check(value: &Value, schema: &Value, schemas: &Map<String, Value>, at: &str) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return check(value, &schemas[name], schemas, at);
    }
    if let Some(options) = schema["anyOf"].as_array() {
        if value.is_null() {
            return;
        }
        let concrete = options.iter().find(|o| o["type"] != "null").unwrap();
        return check(value, concrete, schemas, at);
    }
    match value {
        Value::Object(object) => {
            if let Some(properties) = schema["properties"].as_object() {
                for (key, field) in object {
                    let documented = properties
                        .get(key)
                        .unwrap_or_else(|| panic!("{at}.{key} is not documented"));
                    check(field, documented, schemas, &format!("{at}.{key}"));
                }
                for required in schema["required"].as_array().unwrap() {
                    let name = required.as_str().unwrap();
                    assert!(
                        object.contains_key(name),
                        "{at}.{name} is required but absent"
                    );
                }
            } else if let Some(values) = schema.get("additionalProperties") {
                for (key, field) in object {
                    check(field, values, schemas, &format!("{at}.{key}"));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check(item, &schema["items"], schemas, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_response_matches_its_documented_schema() {
    let app = spawn_app().await;
    let document: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], app.base);
    let schemas = document["components"]["schemas"]
        .as_object()
        .unwrap()
        .clone();

    let imported = app
        .post("/api/v1/datasets/import", &json!({"path": SAMPLE}))
        .await;
    let imported: Value = imported.json().await.unwrap();
    check(
        &imported,
        &json!({"$ref": "#/components/schemas/ImportOutcome"}),
        &schemas,
        "import",
    );
    let (run, experiments) = app.submit_run(&["a", "b"]).await;
    let records = app.sample_records().await;
    for record in &records[..3] {
        app.write_answer(
            &experiments[0],
            record,
            Some(record.expected_output.clone()),
        )
        .await;
        app.write_answer(&experiments[1], record, None).await;
    }
    app.finish_run(&run).await;
    let accepted = app
        .post(
            "/api/v1/experiments/run-async",
            &json!({"dataset_name": SAMPLE, "model_configs": [{"model": "m", "temperature": 1}]}),
        )
        .await;
    let cancel_target: Value = accepted.json().await.unwrap();
    let cancel_path = format!(
        "/api/v1/experiments/runs/{}/cancel",
        cancel_target["run_id"].as_str().unwrap()
    );
    let experiment = &experiments[0];
    let cases: Vec<(String, &str, Value)> = vec![
        (
            "/api/v1/experiments/run-async".into(),
            "RunAccepted",
            cancel_target.clone(),
        ),
        (
            format!("/api/v1/experiments/runs/{run}"),
            "RunStatus",
            Value::Null,
        ),
        ("/api/v1/experiments/runs".into(), "RunList", Value::Null),
        (
            format!("/api/v1/experiments/experiments/{experiment}"),
            "ExperimentDetail",
            Value::Null,
        ),
        (
            format!("/api/v1/experiments/experiments/{experiment}/results"),
            "ResultsPage",
            Value::Null,
        ),
        (
            format!("/api/v1/experiments/experiments/{}/results", experiments[1]),
            "ResultsPage",
            Value::Null,
        ),
        (
            format!(
                "/api/v1/experiments/compare?ids={},{}",
                experiments[0], experiments[1]
            ),
            "Comparison",
            Value::Null,
        ),
        ("/api/v1/datasets".into(), "DatasetList", Value::Null),
        (
            format!("/api/v1/datasets/{SAMPLE}"),
            "DatasetVersions",
            Value::Null,
        ),
        (
            format!("/api/v1/datasets/{SAMPLE}/versions/1/records/unit-02"),
            "DatasetRecord",
            Value::Null,
        ),
        (
            "/api/v1/experiments/health".into(),
            "ServiceHealth",
            Value::Null,
        ),
        ("/readyz".into(), "Probe", Value::Null),
        (
            "/api/v1/experiments/runs/run_01jd5x00000000000000000000".into(),
            "ErrorBody",
            Value::Null,
        ),
    ];
    for (path, schema, given) in cases {
        let value = if given.is_null() {
            app.get(&path).await.json().await.unwrap()
        } else {
            given
        };
        check(
            &value,
            &json!({"$ref": format!("#/components/schemas/{schema}")}),
            &schemas,
            &path,
        );
    }
    let status: Value = app
        .get_json(&format!("/api/v1/experiments/runs/{run}"))
        .await;
    check(
        &status["result"],
        &json!({"$ref": "#/components/schemas/ExperimentResponse"}),
        &schemas,
        "result",
    );
    assert!(status["result"].is_object());
    let cancelled: Value = app
        .post(&cancel_path, &Value::Null)
        .await
        .json()
        .await
        .unwrap();
    check(
        &cancelled,
        &json!({"$ref": "#/components/schemas/CancelAnswer"}),
        &schemas,
        "cancel",
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_docs_page_needs_nothing_from_elsewhere() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        policy.starts_with("default-src 'none'; script-src 'sha256-"),
        "{policy}"
    );
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        !policy.contains("http") && !policy.contains("unsafe"),
        "{policy}"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let page = response.text().await.unwrap();
    assert!(page.contains("fetch(\"/openapi.json\")"));
    for external in ["http://", "https://", "//cdn", "<link", "src="] {
        assert!(!page.contains(external), "the page refers to {external}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_submissions() {
    let app = spawn_app().await;
    app.submit_run(&["m"]).await;
    app.get("/api/v1/experiments/runs/run_01jd5x00000000000000000000")
        .await;
    let metrics = app.metrics().await;
    for expected in [
        "tally_api_http_requests_total{method=\"POST\",route=\"/api/v1/experiments/run-async\",status=\"202\"} 1",
        "tally_api_http_requests_total{method=\"GET\",route=\"/api/v1/experiments/runs/{id}\",status=\"404\"} 1",
        "tally_api_http_requests_total{method=\"POST\",route=\"/api/v1/datasets/import\",status=\"201\"} 1",
        "tally_api_runs_submitted_total{outcome=\"created\"} 1",
        "tally_api_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/experiments/run-async\"} 1",
        "tally_queue_waiting_jobs{queue=\"plan\"} 1",
        "tally_redis_up 1",
    ] {
        assert!(
            metrics.contains(expected),
            "missing {expected} in\n{metrics}"
        );
    }
    app.cleanup().await;
}
