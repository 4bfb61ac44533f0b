//! The old service's clients keep working: the exact requests of its documentation
//! (curl examples, byte for byte, with the headers curl sends) and the bodies its
//! page builds (`name_suffix: ""` for a cleared suffix, presets with metadata tags),
//! against a real API and Redis. Unknown fields are ignored and listed as warnings.

use std::time::Duration;

use serde_json::{Value, json};
use tally_core::run::RunId;

use crate::helpers::{KEY, SAMPLE, TestApp, spawn_app, spawn_app_with};

/// How the documentation's curl commands send their body: `-H "Content-Type:
/// application/json"` on some, nothing on others (curl then says form-urlencoded).
enum ContentType {
    Json,
    CurlDefault,
}

/// One documented request: the route, how curl labels the body, and the body.
struct Documented {
    route: &'static str,
    content_type: ContentType,
    body: &'static str,
}

/// Every request body of the old service's documentation, as written there.
const DOCUMENTED: [Documented; 7] = [
    // "Request Body" of `POST /api/v1/experiments/run`.
    Documented {
        route: "/api/v1/experiments/run",
        content_type: ContentType::Json,
        body: r#"{
  "ml_app": "vote-extractor",
  "site": "datadoghq.com",
  "agentless_enabled": true,
  "project_name": "vote-extraction-project",
  "dataset_name": "vote-extraction-bangbamru-1-10",
  "dataset_version": null,
  "model_configs": [
    {
      "model": "gemini-2.5-flash",
      "temperature": 0.0,
      "name_suffix": "baseline",
      "metadata": {"purpose": "baseline test"}
    },
    {
      "model": "gemini-2.5-flash-lite",
      "temperature": 0.0,
      "name_suffix": "lite",
      "metadata": {"purpose": "cost optimization"}
    }
  ],
  "sample_size": 10,
  "jobs": 2,
  "raise_errors": true
}"#,
    },
    // "Example using cURL".
    Documented {
        route: "/api/v1/experiments/run",
        content_type: ContentType::Json,
        body: r#"{
    "dataset_name": "vote-extraction-bangbamru-1-10",
    "model_configs": [
      {
        "model": "gemini-2.5-flash",
        "temperature": 0.0,
        "name_suffix": "baseline"
      }
    ],
    "sample_size": 10,
    "jobs": 2
  }"#,
    },
    // "Async Endpoint".
    Documented {
        route: "/api/v1/experiments/run-async",
        content_type: ContentType::Json,
        body: r#"{
    "dataset_name": "vote-extraction-bangbamru-1-10",
    "model_configs": [
      {"model": "gemini-2.5-flash", "temperature": 0.0}
    ],
    "sample_size": 100,
    "jobs": 4
  }"#,
    },
    // "Quick CI Test" (no Content-Type header).
    Documented {
        route: "/api/v1/experiments/run",
        content_type: ContentType::CurlDefault,
        body: r#"{
    "dataset_name": "vote-extraction-bangbamru-1-10",
    "model_configs": [
      {"model": "gemini-2.5-flash-lite", "temperature": 0.0, "name_suffix": "ci-lite"},
      {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "ci-flash"}
    ],
    "sample_size": 4,
    "jobs": 2
  }"#,
    },
    // "Baseline Comparison".
    Documented {
        route: "/api/v1/experiments/run",
        content_type: ContentType::CurlDefault,
        body: r#"{
    "dataset_name": "vote-extraction-bangbamru-1-10",
    "model_configs": [
      {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "baseline"},
      {"model": "gemini-2.5-flash-lite", "temperature": 0.0, "name_suffix": "lite"}
    ],
    "sample_size": 10,
    "jobs": 2
  }"#,
    },
    // "Temperature Test" (the whole dataset).
    Documented {
        route: "/api/v1/experiments/run",
        content_type: ContentType::CurlDefault,
        body: r#"{
    "dataset_name": "vote-extraction-bangbamru-1-10",
    "model_configs": [
      {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "t0.0"},
      {"model": "gemini-2.5-flash", "temperature": 0.1, "name_suffix": "t0.1"},
      {"model": "gemini-2.5-flash", "temperature": 0.2, "name_suffix": "t0.2"}
    ],
    "jobs": 2
  }"#,
    },
    // "Run a quick test".
    Documented {
        route: "/api/v1/experiments/run",
        content_type: ContentType::Json,
        body: QUICK_TEST,
    },
];

const QUICK_TEST: &str = r#"{
       "dataset_name": "vote-extraction-bangbamru-1-10",
       "model_configs": [
         {"model": "gemini-2.5-flash", "temperature": 0.0}
       ],
       "sample_size": 2,
       "jobs": 1
     }"#;

async fn send(app: &TestApp, route: &str, content_type: &ContentType, body: &str) -> Value {
    let content_type = match content_type {
        ContentType::Json => "application/json",
        ContentType::CurlDefault => "application/x-www-form-urlencoded",
    };
    let response = app
        .client
        .post(app.url(route))
        .header("X-API-Key", KEY)
        .header("Content-Type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 202, "{route} {body}: {answer}");
    answer
}

/// The stored request of the run an answer accepted.
async fn stored_request(app: &TestApp, accepted: &Value) -> Value {
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["task_id"], accepted["run_id"]);
    let run = RunId::parse(accepted["run_id"].as_str().unwrap()).unwrap();
    let view = app.store.run(&run).await.unwrap().unwrap();
    serde_json::to_value(&view.record.request).unwrap()
}

#[tokio::test]
async fn every_documented_request_is_accepted_as_written() {
    // `/run` answers 202 at once: no worker runs here.
    let app = spawn_app_with(|settings| settings.run_max_wait = Duration::ZERO).await;
    app.import_sample().await;
    for documented in &DOCUMENTED {
        let accepted = send(
            &app,
            documented.route,
            &documented.content_type,
            documented.body,
        )
        .await;
        assert_eq!(accepted["warnings"], json!([]), "{}", documented.body);
        let stored = stored_request(&app, &accepted).await;
        let sent: Value = serde_json::from_str(documented.body).unwrap();
        for (field, value) in sent.as_object().unwrap() {
            if field == "model_configs" {
                for (stored, sent) in stored[field]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(value.as_array().unwrap())
                {
                    for (key, value) in sent.as_object().unwrap() {
                        assert_eq!(&stored[key], value, "{key} of {}", documented.body);
                    }
                }
            } else if !value.is_null() {
                assert_eq!(&stored[field], value, "{field} of {}", documented.body);
            }
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn the_documented_health_check_answers_the_old_fields() {
    let app = spawn_app().await;
    let health: Value = app
        .client
        .get(app.url("/api/v1/experiments/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["service"], "experiments");
    for field in ["status", "datadog_configured", "api_key_configured"] {
        assert!(health.get(field).is_some(), "{field} in {health}");
    }
    assert_eq!(health["api_key_configured"], true);
    app.cleanup().await;
}

/// The body the old page sends: every setting of the form, the configurations as
/// the page holds them.
fn page_body(model_configs: Value) -> Value {
    json!({
        "ml_app": "vote-extractor",
        "site": "datadoghq.com",
        "agentless_enabled": true,
        "project_name": "vote-extraction-project",
        "dataset_name": SAMPLE,
        "dataset_version": null,
        "model_configs": model_configs,
        "sample_size": 10,
        "jobs": 2,
        "raise_errors": true,
    })
}

#[tokio::test]
async fn the_old_pages_bodies_are_accepted_and_a_cleared_suffix_is_no_suffix() {
    let app = spawn_app_with(|settings| settings.run_max_wait = Duration::ZERO).await;
    app.import_sample().await;
    let bodies = [
        // The page's first state, and a suffix the user cleared.
        (
            json!([{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "baseline", "metadata": {}}]),
            vec!["vote-extraction-baseline"],
        ),
        (
            json!([{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "", "metadata": {}}]),
            vec!["vote-extraction-gemini-2.5-flash-t0.0"],
        ),
        // "Add Model Configuration", with one suffix cleared.
        (
            json!([{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "baseline", "metadata": {}},
                {"model": "gemini-1.5-pro", "temperature": 0.7, "name_suffix": "", "metadata": {}},
                {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "config-3", "metadata": {}}]),
            vec![
                "vote-extraction-baseline",
                "vote-extraction-gemini-1.5-pro-t0.7",
                "vote-extraction-config-3",
            ],
        ),
        // The "Temperature Test" preset button.
        (
            json!([{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "t0.0", "metadata": {"test": "temperature"}},
                {"model": "gemini-2.5-flash", "temperature": 0.1, "name_suffix": "t0.1", "metadata": {"test": "temperature"}},
                {"model": "gemini-2.5-flash", "temperature": 0.2, "name_suffix": "t0.2", "metadata": {"test": "temperature"}}]),
            vec![
                "vote-extraction-t0.0",
                "vote-extraction-t0.1",
                "vote-extraction-t0.2",
            ],
        ),
    ];
    for (configs, names) in bodies {
        for route in ["/api/v1/experiments/run", "/api/v1/experiments/run-async"] {
            let body = page_body(configs.clone()).to_string();
            let accepted = send(&app, route, &ContentType::Json, &body).await;
            assert_eq!(accepted["warnings"], json!([]));
            let run = RunId::parse(accepted["run_id"].as_str().unwrap()).unwrap();
            let status: Value = app
                .get_json(&format!("/api/v1/experiments/runs/{run}"))
                .await;
            let shown: Vec<&str> = status["experiments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["experiment_name"].as_str().unwrap())
                .collect();
            assert_eq!(shown, names);
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn unknown_fields_at_any_depth_are_ignored_and_listed_as_warnings() {
    let app = spawn_app_with(|settings| settings.run_max_wait = Duration::ZERO).await;
    app.import_sample().await;
    let body = json!({
        "dataset_name": SAMPLE,
        "note": "nightly",
        "model_configs": [
            {"model": "gemini-2.5-flash", "temperature": 0.0, "colour": "blue",
             "metadata": {"free": "form"}},
            {"model": "gemini-2.5-flash-lite", "temperature": 0.0, "options": {"x": 1}}
        ]
    });
    for route in ["/api/v1/experiments/run-async", "/api/v1/experiments/run"] {
        let accepted = send(&app, route, &ContentType::Json, &body.to_string()).await;
        let warnings = accepted["warnings"].as_array().unwrap();
        let fields: Vec<&str> = warnings
            .iter()
            .map(|w| w["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "model_configs[0].colour",
                "model_configs[1].options",
                "note"
            ]
        );
        assert!(
            warnings[2]["message"]
                .as_str()
                .unwrap()
                .starts_with("unknown field (expected one of: ml_app,"),
            "{warnings:?}"
        );
        let stored = stored_request(&app, &accepted).await;
        assert_eq!(
            stored["model_configs"][0]["metadata"],
            json!({"free": "form"})
        );
        assert!(stored.get("note").is_none());
    }
    app.cleanup().await;
}

#[tokio::test]
async fn the_documented_quick_test_waits_for_its_response_with_the_datasets_size() {
    let app = spawn_app().await;
    app.import_sample().await;
    let waiting = {
        let client = app.client.clone();
        let url = app.url("/api/v1/experiments/run");
        // The quick test of the documentation, with one field the old service ignored.
        let mut body: Value = serde_json::from_str(QUICK_TEST).unwrap();
        body["timeout"] = json!(600);
        tokio::spawn(async move {
            client
                .post(url)
                .header("X-API-Key", KEY)
                .json(&body)
                .send()
                .await
                .unwrap()
        })
    };
    // Play the worker: once the run exists, answer its two records and finish it.
    let run = app.latest_run().await;
    let experiment = run.record.experiments[0].clone();
    for record in app.sample_records().await.iter().take(2) {
        let answer = Some(record.expected_output.clone());
        app.write_answer(&experiment, record, answer).await;
    }
    app.finish_run(&run.record.run_id).await;

    let response = waiting.await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    // The old response's fields, and ours beside them.
    for field in [
        "status",
        "message",
        "total_experiments",
        "successful_experiments",
        "failed_experiments",
        "experiments",
        "dataset_name",
        "dataset_size",
        "project_name",
        "comparison_url",
        "dataset_id",
    ] {
        assert!(body.get(field).is_some(), "{field} in {body}");
    }
    assert_eq!(body["status"], "success");
    assert_eq!(body["dataset_size"], 10, "the dataset version's records");
    assert_eq!(body["sample_size"], 2, "the records each experiment ran on");
    assert_eq!(body["experiments"][0]["total_records"], 2);
    assert_eq!(
        body["experiments"][0]["experiment_name"],
        "vote-extraction-gemini-2.5-flash-t0.0"
    );
    assert_eq!(body["warnings"][0]["field"], "timeout");
    // The stored result has no warnings: they belong to the submission's answer.
    let status: Value = app
        .get_json(&format!("/api/v1/experiments/runs/{}", run.record.run_id))
        .await;
    assert_eq!(status["result"]["dataset_size"], 10);
    assert_eq!(status["result"]["sample_size"], 2);
    assert!(status["result"].get("warnings").is_none());
    app.cleanup().await;
}
