//! The 24-hour rule: spans and metrics whose timestamps are more than 24 hours from
//! now (either way) are refused with 400 `timestamp_within_24hr`, the whole body
//! with them; just inside the window is accepted.

use serde_json::json;

use crate::support::*;

async fn experiment(client: &Client) -> String {
    let project = client.project("p").await;
    let dataset = client
        .dataset(&project, "d", vec![record("r1", "q1", &[])])
        .await;
    client.experiment(&project, &dataset, "e").await
}

#[tokio::test]
async fn experiment_metrics_must_be_within_24_hours() {
    let client = Client::start().await;
    let experiment = experiment(&client).await;
    let path = format!("/api/unstable/llm-obs/v1/experiments/{experiment}/events");
    let now = now_ms();
    for stale in [now - 25 * HOUR_MS, now + 25 * HOUR_MS] {
        let reply = client
            .post(
                &path,
                events(vec![metric("1", "fresh", now), metric("1", "stale", stale)]),
            )
            .await;
        assert_eq!(reply.status, 400);
        assert!(
            reply
                .detail()
                .starts_with("data.attributes.metrics[1].timestamp_ms: timestamp_within_24hr"),
            "{}",
            reply.detail()
        );
    }
    let stored = client.inspect("/_emulator/experiment-metrics").await;
    assert_eq!(stored["metrics"], json!([]), "a refused body keeps nothing");
    let inside = client
        .post(&path, events(vec![metric("1", "old", now - 23 * HOUR_MS)]))
        .await;
    assert_eq!(inside.status, 202, "{}", inside.body);
    assert_eq!(inside.body, serde_json::Value::Null, "202 with no body");
}

#[tokio::test]
async fn intake_spans_and_evaluations_must_be_within_24_hours() {
    let client = Client::start().await;
    let now = now_ms();
    let stale_span = post_spans(&client, span_event("7", "e", "r", now - 25 * HOUR_MS)).await;
    assert_eq!(stale_span.status, 400);
    assert!(
        stale_span
            .detail()
            .starts_with("[0].spans[0].start_ns: timestamp_within_24hr"),
        "{}",
        stale_span.detail()
    );
    let fresh_span = post_spans(&client, span_event("7", "e", "r", now - 23 * HOUR_MS)).await;
    assert_eq!(fresh_span.status, 202, "{}", fresh_span.body);
    let stale_metric = post_eval_metrics(&client, vec![eval_metric(now - 25 * HOUR_MS)]).await;
    assert_eq!(stale_metric.status, 400);
    assert!(stale_metric.detail().contains("timestamp_within_24hr"));
    let stats = client.inspect("/_emulator/stats").await;
    assert_eq!(stats["stored"]["spans"], 1);
    assert_eq!(stats["stored"]["eval_metrics"], 0);
}

#[tokio::test]
async fn the_window_is_a_setting() {
    let client = Client::start_with(datadog_emulator::EmulatorConfig {
        timestamp_window_secs: 60,
        ..test_config()
    })
    .await;
    let reply = post_eval_metrics(&client, vec![eval_metric(now_ms() - 120_000)]).await;
    assert_eq!(reply.status, 400);
    assert!(reply.detail().contains("timestamp_within_24hr"));
}
