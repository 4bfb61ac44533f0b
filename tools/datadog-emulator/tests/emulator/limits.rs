//! Payload limits: a body over the route's limit is refused with 413 and stores
//! nothing; Datadog's 5 MiB intake limit is the default.

use serde_json::{Value, json};

use crate::support::*;

/// A span intake body of more than `bytes` bytes.
fn big_spans(bytes: usize) -> Value {
    let mut body = span_event("1", "e", "r", now_ms());
    body[0]["spans"][0]["meta"]["output"] = json!("x".repeat(bytes));
    body
}

#[tokio::test]
async fn intake_payloads_over_5_mib_are_refused() {
    let client = Client::start().await;
    let reply = post_spans(&client, big_spans(5 * 1024 * 1024)).await;
    assert_eq!(reply.status, 413);
    assert!(
        reply.detail().contains("over the limit of 5242880 bytes"),
        "{}",
        reply.detail()
    );
    let under = post_spans(&client, big_spans(4 * 1024 * 1024)).await;
    assert_eq!(under.status, 202);
    let stats = client.inspect("/_emulator/stats").await;
    assert_eq!(stats["stored"]["spans"], 1);
}

#[tokio::test]
async fn limits_are_settings() {
    let client = Client::start_with(datadog_emulator::EmulatorConfig {
        intake_max_bytes: 2_000,
        api_max_bytes: 1_000,
        ..test_config()
    })
    .await;
    assert_eq!(post_spans(&client, big_spans(2_000)).await.status, 413);
    let project = client
        .post(
            "/api/unstable/llm-obs/v1/projects",
            document(
                "projects",
                json!({"name": "p", "description": "x".repeat(1_000)}),
            ),
        )
        .await;
    assert_eq!(project.status, 413);
    let stats = client.inspect("/_emulator/stats").await;
    assert_eq!(stats["stored"]["projects"], 0);
    assert_eq!(stats["stored"]["spans"], 0);
    assert_eq!(stats["statuses"]["413"], 2);
}
