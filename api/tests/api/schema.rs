//! Every route answers what the OpenAPI document says: each JSON body is validated
//! with a JSON Schema validator against the schema the document gives for that
//! route, method and status — types, enums, nullability and required fields
//! included — and every documented route is called at least once.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{KEY, SAMPLE, TestApp, data_dir_with_sample, spawn_app_with, wrong_answer};

/// One call: the documented path template, the concrete path, and the body to send.
struct Call {
    method: Method,
    template: &'static str,
    path: String,
    body: Option<Value>,
    /// A raw body and its Content-Type (an uploaded archive).
    archive: Option<(&'static str, Vec<u8>)>,
}

fn call(method: Method, template: &'static str, path: impl Into<String>) -> Call {
    Call {
        method,
        template,
        path: path.into(),
        body: None,
        archive: None,
    }
}

fn with_body(mut call: Call, body: Value) -> Call {
    call.body = Some(body);
    call
}

fn schedule(name: &str) -> Value {
    json!({
        "name": name,
        "cron": "0 8 * * 1",
        "request": {
            "dataset_name": SAMPLE,
            "dataset_version": "latest",
            "sample_size": 2,
            "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0.0}]
        },
        "alerts": {"accuracy_drop": 0.05, "webhook_url": "https://hooks.example.com/secret/path"}
    })
}

/// Sends `call` and checks its answer against the document; returns the status.
async fn check_answer(app: &TestApp, document: &Value, call: &Call) -> u16 {
    let mut request = app
        .client
        .request(call.method.clone(), app.url(&call.path))
        .header("X-API-Key", KEY);
    if let Some(body) = &call.body {
        request = request.json(body);
    }
    if let Some((content_type, bytes)) = &call.archive {
        request = request
            .header("Content-Type", *content_type)
            .body(bytes.clone());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    let method = call.method.as_str().to_lowercase();
    let where_ = format!("{} {} → {status}", call.method, call.path);
    let answer = &document["paths"][call.template][&method]["responses"][status.to_string()];
    assert!(answer.is_object(), "{where_}: status not documented");
    let Some(schema) = answer["content"]["application/json"]["schema"].as_object() else {
        assert!(
            !content_type.starts_with("application/json"),
            "{where_}: a JSON answer where the document has none"
        );
        return status;
    };
    assert!(
        content_type.starts_with("application/json"),
        "{where_}: {content_type}"
    );
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"].clone(),
    });
    for (key, value) in schema {
        root[key] = value.clone();
    }
    let validator = jsonschema::validator_for(&root).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{where_}:\n{}\n{body:#}",
        errors.join("\n")
    );
    status
}

#[tokio::test]
async fn every_route_answers_what_the_document_says() {
    // Uploads write into the data directory: a copy of the sample's, not the repository's.
    let data = data_dir_with_sample();
    let app = spawn_app_with(|s| s.data_dir = data.path().to_path_buf()).await;
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();
    let import = with_body(
        call(
            Method::POST,
            "/api/v1/datasets/import",
            "/api/v1/datasets/import",
        ),
        json!({"path": SAMPLE}),
    );
    assert_eq!(check_answer(&app, &document, &import).await, 201);
    assert_eq!(check_answer(&app, &document, &import).await, 200);
    let sample = crate::archives::tar_gz_of(&data.path().join(SAMPLE));
    let mut upload = call(
        Method::POST,
        "/api/v1/datasets",
        "/api/v1/datasets?name=uploaded",
    );
    upload.archive = Some(("application/gzip", sample));
    assert_eq!(check_answer(&app, &document, &upload).await, 201);
    assert_eq!(check_answer(&app, &document, &upload).await, 200);
    upload.archive = Some(("application/zip", b"not a zip".to_vec()));
    assert_eq!(check_answer(&app, &document, &upload).await, 422);
    let scans = crate::archives::tar_gz_of(&data.path().join(SAMPLE).join("images"));
    let mut labelset = call(
        Method::POST,
        "/api/v1/labelsets",
        "/api/v1/labelsets?name=scans",
    );
    labelset.archive = Some(("application/gzip", scans));
    assert_eq!(check_answer(&app, &document, &labelset).await, 201);
    assert_eq!(check_answer(&app, &document, &labelset).await, 409);

    // A final run with one good and one failing experiment, and a queued one.
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
    let request =
        json!({"dataset_name": SAMPLE, "model_configs": [{"model": "m", "temperature": 1}]});
    let queued: Value = app
        .post("/api/v1/experiments/run-async", &request)
        .await
        .json()
        .await
        .unwrap();
    let queued = queued["run_id"].as_str().unwrap().to_string();
    let (a, b) = (&experiments[0], &experiments[1]);
    let record = format!(
        "/api/v1/datasets/{SAMPLE}/versions/1/records/{}",
        records[0].id
    );
    let missing_run = "/api/v1/experiments/runs/run_01jd5x00000000000000000000";

    use Method as M;
    let calls = vec![
        with_body(
            call(
                M::POST,
                "/api/v1/experiments/run-async",
                "/api/v1/experiments/run-async",
            ),
            request.clone(),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/experiments/run",
                "/api/v1/experiments/run?wait_seconds=0",
            ),
            request.clone(),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/experiments/run-async",
                "/api/v1/experiments/run-async",
            ),
            json!({"dataset_name": 3}),
        ),
        call(
            M::GET,
            "/api/v1/experiments/runs",
            "/api/v1/experiments/runs",
        ),
        call(
            M::GET,
            "/api/v1/experiments/runs",
            "/api/v1/experiments/runs?limit=0",
        ),
        call(
            M::GET,
            "/api/v1/experiments/runs/{id}",
            format!("/api/v1/experiments/runs/{run}"),
        ),
        call(
            M::GET,
            "/api/v1/experiments/runs/{id}",
            format!("/api/v1/experiments/runs/{queued}"),
        ),
        call(M::GET, "/api/v1/experiments/runs/{id}", missing_run),
        call(
            M::GET,
            "/api/v1/experiments/runs/{id}/events",
            format!("/api/v1/experiments/runs/{run}/events"),
        ),
        call(
            M::GET,
            "/api/v1/experiments/runs/{id}/events",
            format!("{missing_run}/events"),
        ),
        call(
            M::POST,
            "/api/v1/experiments/runs/{id}/cancel",
            format!("/api/v1/experiments/runs/{queued}/cancel"),
        ),
        call(
            M::POST,
            "/api/v1/experiments/runs/{id}/cancel",
            format!("/api/v1/experiments/runs/{run}/cancel"),
        ),
        call(
            M::POST,
            "/api/v1/experiments/runs/{id}/retry",
            format!("/api/v1/experiments/runs/{run}/retry"),
        ),
        call(
            M::POST,
            "/api/v1/experiments/runs/{id}/retry",
            format!("/api/v1/experiments/runs/{queued}/retry"),
        ),
        call(
            M::GET,
            "/api/v1/experiments/experiments/{id}",
            format!("/api/v1/experiments/experiments/{a}"),
        ),
        call(
            M::GET,
            "/api/v1/experiments/experiments/{id}/results",
            format!("/api/v1/experiments/experiments/{a}/results"),
        ),
        call(
            M::GET,
            "/api/v1/experiments/experiments/{id}/results",
            format!("/api/v1/experiments/experiments/{b}/results?limit=2"),
        ),
        call(
            M::GET,
            "/api/v1/experiments/compare",
            format!("/api/v1/experiments/compare?ids={a},{b}"),
        ),
        call(
            M::GET,
            "/api/v1/experiments/compare",
            format!("/api/v1/experiments/compare?ids={a}"),
        ),
        call(M::GET, "/api/v1/whoami", "/api/v1/whoami"),
        call(M::GET, "/api/v1/datasets", "/api/v1/datasets"),
        call(
            M::GET,
            "/api/v1/datasets/{name}",
            format!("/api/v1/datasets/{SAMPLE}"),
        ),
        call(
            M::GET,
            "/api/v1/datasets/{name}/versions/{version}/records/{id}",
            record.clone(),
        ),
        call(
            M::GET,
            "/api/v1/datasets/{name}/versions/{version}/records/{id}/pages/{page}",
            format!("{record}/pages/1"),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/datasets/{name}/datadog",
                format!("/api/v1/datasets/{SAMPLE}/datadog"),
            ),
            json!({}),
        ),
        with_body(
            call(M::POST, "/api/v1/schedules", "/api/v1/schedules"),
            schedule("weekly"),
        ),
        with_body(
            call(M::POST, "/api/v1/schedules", "/api/v1/schedules"),
            schedule("weekly"),
        ),
        call(M::GET, "/api/v1/schedules", "/api/v1/schedules"),
        call(
            M::GET,
            "/api/v1/schedules/{name}",
            "/api/v1/schedules/weekly",
        ),
        with_body(
            call(
                M::PUT,
                "/api/v1/schedules/{name}",
                "/api/v1/schedules/weekly",
            ),
            schedule("weekly"),
        ),
        call(
            M::POST,
            "/api/v1/schedules/{name}/pause",
            "/api/v1/schedules/weekly/pause",
        ),
        call(
            M::POST,
            "/api/v1/schedules/{name}/resume",
            "/api/v1/schedules/weekly/resume",
        ),
        call(
            M::DELETE,
            "/api/v1/schedules/{name}",
            "/api/v1/schedules/weekly",
        ),
        call(
            M::GET,
            "/api/v1/schedules/{name}",
            "/api/v1/schedules/weekly",
        ),
        call(M::GET, "/api/v1/presets", "/api/v1/presets"),
        call(M::GET, "/api/v1/labelsets", "/api/v1/labelsets"),
        call(
            M::GET,
            "/api/v1/labelsets/{name}",
            "/api/v1/labelsets/scans",
        ),
        call(
            M::GET,
            "/api/v1/labelsets/{name}",
            "/api/v1/labelsets/missing",
        ),
        call(
            M::POST,
            "/api/v1/labelsets/{name}/next",
            "/api/v1/labelsets/scans/next",
        ),
        call(
            M::GET,
            "/api/v1/labelsets/{name}/records/{id}",
            "/api/v1/labelsets/scans/records/unit-01",
        ),
        call(
            M::GET,
            "/api/v1/labelsets/{name}/records/{id}/pages/{page}",
            "/api/v1/labelsets/scans/records/unit-01/pages/1",
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/labelsets/{name}/records/{id}/check",
                "/api/v1/labelsets/scans/records/unit-01/check",
            ),
            json!({"reports": records[0].expected_output}),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/labelsets/{name}/records/{id}/check",
                "/api/v1/labelsets/scans/records/unit-01/check",
            ),
            json!({"reports": [{"form_info": 3}]}),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/labelsets/{name}/publish",
                "/api/v1/labelsets/scans/publish",
            ),
            json!({"dataset": "checked"}),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/labelsets/{name}/records/{id}/label",
                "/api/v1/labelsets/scans/records/unit-02/label",
            ),
            json!({"decision": "accept", "reports": wrong_answer(&records[1])}),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/labelsets/{name}/records/{id}/label",
                "/api/v1/labelsets/scans/records/unit-02/label",
            ),
            json!({"decision": "accept", "reports": records[1].expected_output,
                   "override_reason": "as printed", "note": "checked twice"}),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/labelsets/{name}/publish",
                "/api/v1/labelsets/scans/publish",
            ),
            json!({"dataset": "checked"}),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/labelsets/{name}/prefill",
                "/api/v1/labelsets/scans/prefill",
            ),
            json!({"model": "gemini-2.5-flash", "temperature": 0.0}),
        ),
        with_body(
            call(
                M::POST,
                "/api/v1/labelsets/{name}/prefill",
                "/api/v1/labelsets/scans/prefill",
            ),
            json!({"model": "gemini-2.5-flash", "temperature": 9}),
        ),
        call(
            M::GET,
            "/api/v1/labelsets/{name}/records/{id}",
            "/api/v1/labelsets/scans/records/unit-02",
        ),
        call(
            M::GET,
            "/api/v1/experiments/health",
            "/api/v1/experiments/health",
        ),
        call(M::GET, "/healthz", "/healthz"),
        call(M::GET, "/readyz", "/readyz"),
        call(M::GET, "/metrics", "/metrics"),
        call(M::GET, "/openapi.json", "/openapi.json"),
        call(M::GET, "/docs", "/docs"),
    ];
    let mut called = BTreeSet::from([
        ("post".to_string(), import.template),
        ("post".to_string(), upload.template),
        ("post".to_string(), labelset.template),
    ]);
    for call in &calls {
        check_answer(&app, &document, call).await;
        called.insert((call.method.as_str().to_lowercase(), call.template));
    }
    let documented: BTreeSet<(String, &str)> = tally_api::openapi::routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .collect();
    assert_eq!(called, documented);
    app.cleanup().await;
}
