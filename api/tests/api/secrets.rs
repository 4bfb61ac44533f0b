//! Secrets go nowhere: the request's Datadog `api_key` and the caller's `X-API-Key`
//! appear in no Redis key or value of the namespace, no response, and no log line.

use serde_json::{Value, json};
use tally_test_support::logs::CapturedLogs;
use tally_test_support::namespace::{redis_connection, stored_values};

use crate::helpers::{KEY, SAMPLE, spawn_app};

const DATADOG_KEY: &str = "dd-api-key-5f2b9c41e7a84d0f";

/// Every value stored under `keys`, whatever its type, as text.
async fn stored_text(keys: &[String]) -> String {
    let mut conn = redis_connection().await;
    let mut text = String::new();
    for key in keys {
        text.push_str(key);
        text.push('\n');
        let values = stored_values(&mut conn, key)
            .await
            .unwrap_or_else(|| panic!("unexpected type at {key}"));
        for value in values {
            text.push_str(&String::from_utf8_lossy(&value));
            text.push('\n');
        }
    }
    text
}

#[tokio::test]
async fn the_datadog_key_and_the_api_key_are_never_stored_echoed_or_logged() {
    // The test runtime has one thread: the server's tasks log through this subscriber.
    let (logs, _guard) = CapturedLogs::start();

    let app = spawn_app().await;
    app.import_sample().await;
    let request = json!({"dataset_name": SAMPLE, "api_key": DATADOG_KEY,
                         "model_configs": [{"model": "m", "temperature": 0.0}]});
    let mut responses = String::new();
    let accepted = app.post("/api/v1/experiments/run-async", &request).await;
    assert_eq!(accepted.status(), 202);
    let accepted: Value = accepted.json().await.unwrap();
    responses.push_str(&accepted.to_string());
    let run_id = accepted["run_id"].as_str().unwrap();
    // Also through /run, and in an invalid request (errors never echo it).
    responses.push_str(
        &app.post("/api/v1/experiments/run?wait_seconds=0", &request)
            .await
            .text()
            .await
            .unwrap(),
    );
    let mut invalid = request.clone();
    invalid["jobs"] = json!(0);
    invalid["api_key"] = json!(7);
    let refused = app
        .post("/api/v1/experiments/run-async", &invalid)
        .await
        .text()
        .await
        .unwrap();
    assert!(refused.contains("api_key"), "{refused}");
    responses.push_str(&refused);
    for path in [
        format!("/api/v1/experiments/runs/{run_id}"),
        "/api/v1/experiments/runs".to_string(),
        "/openapi.json".to_string(),
    ] {
        responses.push_str(&app.get(&path).await.text().await.unwrap());
    }

    let keys = app.keys().await;
    assert!(
        keys.iter().any(|k| k.contains(run_id)),
        "the run is stored: {keys:?}"
    );
    let stored = stored_text(&keys).await;
    assert!(
        stored.contains("\"api_key_name\":\"ci\""),
        "the key's name is recorded"
    );
    let logged = logs.text();
    assert!(
        logged.contains("run submitted"),
        "logs were captured: {logged}"
    );
    for secret in [DATADOG_KEY, KEY] {
        assert!(!stored.contains(secret), "{secret} stored in Redis");
        assert!(!responses.contains(secret), "{secret} in a response");
        assert!(!logged.contains(secret), "{secret} in a log line");
    }
    app.cleanup().await;
}
