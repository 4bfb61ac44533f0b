//! Injected faults: scripted 5xx and 429 for the next matching requests, shares of
//! failures, outage on and off. A faulted request stores nothing; introspection is
//! never faulted.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

async fn project_status(client: &Client) -> (u16, serde_json::Value) {
    let reply = client
        .post(
            "/api/unstable/llm-obs/v1/projects",
            document("projects", json!({"name": "p"})),
        )
        .await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn scripted_faults_answer_the_next_matching_requests() {
    let client = Client::start().await;
    let queued = client
        .control(
            Method::POST,
            "/_emulator/faults/next",
            json!({"faults": [{"fault": "server_error", "status": 500},
                              {"fault": "rate_limit", "reset_secs": 9, "target": "spans"}]}),
        )
        .await;
    assert_eq!(queued["pending"], 2);
    let (status, body) = project_status(&client).await;
    assert_eq!(status, 500);
    assert_eq!(body["errors"], json!(["Internal Server Error"]));
    assert_eq!(
        client.inspect("/_emulator/stats").await["stored"]["projects"],
        0
    );
    // The rate limit waits for span traffic.
    assert_eq!(project_status(&client).await.0, 200);
    let limited = post_spans(&client, span_event("1", "e", "r", now_ms())).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["errors"], json!(["Too many requests"]));
    for header in [
        "x-ratelimit-limit",
        "x-ratelimit-period",
        "x-ratelimit-remaining",
        "x-ratelimit-name",
    ] {
        assert!(limited.headers.contains_key(header), "{header} missing");
    }
    assert_eq!(limited.headers["x-ratelimit-reset"], "9");
    assert_eq!(limited.headers["x-ratelimit-remaining"], "0");
    let retried = post_spans(&client, span_event("1", "e", "r", now_ms())).await;
    assert_eq!(retried.status, 202);
    let stats = client.inspect("/_emulator/stats").await;
    assert_eq!(stats["faults_injected"], 2);
    assert_eq!(stats["faults_pending"], 0);
    assert_eq!(stats["stored"]["spans"], 1);
}

#[tokio::test]
async fn shares_and_outage_are_switched_at_run_time() {
    let client = Client::start().await;
    let set = client
        .control(
            Method::PATCH,
            "/_emulator/faults",
            json!({"error_rate": 1.0, "error_status": 502}),
        )
        .await;
    assert_eq!(set["settings"]["error_rate"], 1.0);
    for _ in 0..3 {
        assert_eq!(project_status(&client).await.0, 502);
    }
    client
        .control(
            Method::PATCH,
            "/_emulator/faults",
            json!({"error_rate": 0.0, "rate_limit_rate": 1.0}),
        )
        .await;
    assert_eq!(project_status(&client).await.0, 429);
    client
        .control(
            Method::PATCH,
            "/_emulator/faults",
            json!({"rate_limit_rate": 0.0, "outage": true}),
        )
        .await;
    let (status, body) = project_status(&client).await;
    assert_eq!(status, 503);
    assert_eq!(body["errors"], json!(["Service Unavailable"]));
    let spans = post_spans(&client, span_event("1", "e", "r", now_ms())).await;
    assert_eq!(spans.status, 503, "an outage takes every Datadog route");
    // Introspection keeps answering during an outage.
    assert_eq!(
        client.inspect("/_emulator/stats").await["stored"]["spans"],
        0
    );
    client
        .control(Method::PATCH, "/_emulator/faults", json!({"outage": false}))
        .await;
    assert_eq!(project_status(&client).await.0, 200);
}

#[tokio::test]
async fn latency_is_a_setting_and_bad_settings_are_refused() {
    let client = Client::start().await;
    let set = client
        .control(
            Method::PATCH,
            "/_emulator/faults",
            json!({"latency_ms": 20}),
        )
        .await;
    assert_eq!(set["settings"]["latency_ms"], 20);
    assert_eq!(project_status(&client).await.0, 200, "slow, then answered");
    for bad in [
        json!({"error_rate": 2.0}),
        json!({"error_status": 404}),
        json!({"latency": 5}),
    ] {
        let reply = client
            .send(
                client
                    .http
                    .patch(client.url("/_emulator/faults"))
                    .header("Content-Type", "application/json")
                    .body(bad.to_string()),
            )
            .await;
        assert_eq!(reply.status, 400, "{bad}");
    }
    let bad_script = client
        .send(
            client
                .http
                .post(client.url("/_emulator/faults/next"))
                .header("Content-Type", "application/json")
                .body(json!({"faults": [{"fault": "server_error", "status": 418}]}).to_string()),
        )
        .await;
    assert_eq!(bad_script.status, 400);
    let faults = client.inspect("/_emulator/faults").await;
    assert_eq!(faults["settings"]["error_rate"], 0.0);
    assert_eq!(faults["pending"], 0);
}
