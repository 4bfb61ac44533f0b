//! `/_emulator/*`: the request log (without keys), stored spans and metrics as
//! received, and reset.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_request_log_keeps_bodies_and_statuses_but_no_keys() {
    let client = Client::start().await;
    client.project("p").await;
    client
        .control(
            Method::POST,
            "/_emulator/faults/next",
            json!({"faults": [{"fault": "server_error"}]}),
        )
        .await;
    client
        .post(
            "/api/unstable/llm-obs/v1/projects",
            document("projects", json!({"name": "q"})),
        )
        .await;
    let log = client.inspect("/_emulator/requests?limit=5").await;
    let requests = log["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["status"], 200);
    assert_eq!(requests[0]["method"], "POST");
    assert_eq!(requests[0]["path"], "/api/unstable/llm-obs/v1/projects");
    assert_eq!(requests[0]["body"]["data"]["attributes"]["name"], "p");
    assert_eq!(requests[0]["fault"], false);
    assert_eq!(requests[1]["status"], 503);
    assert_eq!(requests[1]["fault"], true);
    let text = log.to_string();
    assert!(
        !text.contains(API_KEY) && !text.contains(APP_KEY),
        "keys never logged"
    );
    let last = client.inspect("/_emulator/requests?limit=1").await;
    assert_eq!(last["requests"][0]["status"], 503);
}

#[tokio::test]
async fn no_admin_route_shows_a_key_even_one_sent_in_the_query() {
    let client = Client::start().await;
    client.project("p").await;
    let url = client.url(&format!(
        "/api/v2/llm-obs/v1/projects?api_key={API_KEY}&application_key={APP_KEY}&other=1"
    ));
    let response = client.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 403, "keys count only in headers");
    let log = client.inspect("/_emulator/requests").await;
    assert_eq!(
        log["requests"][1]["path"],
        "/api/v2/llm-obs/v1/projects?api_key=redacted&application_key=redacted&other=1"
    );
    for route in [
        "/_emulator/stats",
        "/_emulator/requests",
        "/_emulator/faults",
        "/_emulator/spans",
        "/_emulator/experiment-metrics",
        "/_emulator/eval-metrics",
    ] {
        let text = client.inspect(route).await.to_string();
        assert!(
            !text.contains(API_KEY) && !text.contains(APP_KEY),
            "{route}: {text}"
        );
    }
}

#[tokio::test]
async fn received_metrics_are_readable_and_reset_forgets_everything() {
    let client = Client::start().await;
    let project = client.project("p").await;
    let dataset = client
        .dataset(&project, "d", vec![record("r1", "q1", &[])])
        .await;
    let experiment = client.experiment(&project, &dataset, "e").await;
    let posted = client
        .post(
            &format!("/api/unstable/llm-obs/v1/experiments/{experiment}/events"),
            events(vec![metric("11", "exact_match", now_ms())]),
        )
        .await;
    assert_eq!(posted.status, 202);
    let metrics = client
        .inspect(&format!(
            "/_emulator/experiment-metrics?experiment_id={experiment}"
        ))
        .await;
    assert_eq!(metrics["metrics"][0]["metric"]["label"], "exact_match");
    assert_eq!(
        metrics["metrics"][0]["batch_tags"],
        json!(["run_iteration:1"])
    );
    let echoed = post_eval_metrics(&client, vec![eval_metric(now_ms())]).await;
    assert_eq!(echoed.status, 202);
    assert_eq!(echoed.body["data"]["type"], "evaluation_metric");
    let id = echoed.body["data"]["attributes"]["metrics"][0]["id"]
        .as_str()
        .unwrap();
    let intake = client.inspect("/_emulator/eval-metrics").await;
    assert_eq!(intake["metrics"][0]["id"], id);
    assert_eq!(intake["metrics"][0]["metric"]["label"], "toxicity");

    client
        .control(Method::PATCH, "/_emulator/faults", json!({"latency_ms": 1}))
        .await;
    client
        .control(Method::POST, "/_emulator/reset", json!({}))
        .await;
    let stats = client.inspect("/_emulator/stats").await;
    assert_eq!(
        stats["stored"],
        json!({"projects": 0, "datasets": 0, "records": 0, "experiments": 0, "spans": 0,
               "experiment_metrics": 0, "eval_metrics": 0})
    );
    assert_eq!(stats["requests"], 0);
    let faults = client.inspect("/_emulator/faults").await;
    assert_eq!(
        faults["settings"]["latency_ms"], 0,
        "back to the starting settings"
    );
}
