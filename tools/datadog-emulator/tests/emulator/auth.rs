//! Credentials: the API needs both keys, the intakes the API key; a refusal is a 403
//! with the gateway's body and stores nothing.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

const PROJECTS: &str = "/api/unstable/llm-obs/v1/projects";

fn project_body() -> String {
    document("projects", json!({"name": "p"})).to_string()
}

#[tokio::test]
async fn the_api_refuses_missing_or_unknown_keys() {
    let client = Client::start().await;
    let cases = [
        (None, None),
        (Some(API_KEY), None),
        (None, Some(APP_KEY)),
        (Some("wrong"), Some(APP_KEY)),
        (Some(API_KEY), Some("wrong")),
    ];
    for (api_key, app_key) in cases {
        let mut builder = client
            .http
            .post(client.url(PROJECTS))
            .header("Content-Type", "application/json")
            .body(project_body());
        if let Some(key) = api_key {
            builder = builder.header("DD-API-KEY", key);
        }
        if let Some(key) = app_key {
            builder = builder.header("DD-APPLICATION-KEY", key);
        }
        let reply = client.send(builder).await;
        assert_eq!(reply.status, 403, "{api_key:?} {app_key:?}");
        assert_eq!(reply.body["errors"], json!(["Forbidden"]));
        assert_eq!(reply.body["code"], 403);
    }
    let stats = client.inspect("/_emulator/stats").await;
    assert_eq!(
        stats["stored"]["projects"], 0,
        "a refused request stores nothing"
    );
    let good = client
        .send(client.request(Method::POST, PROJECTS).body(project_body()))
        .await;
    assert_eq!(good.status, 200, "{}", good.body);
}

#[tokio::test]
async fn the_intakes_need_only_the_api_key() {
    let client = Client::start().await;
    let accepted = post_eval_metrics(&client, vec![eval_metric(now_ms())]).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let refused = client
        .send(
            client
                .http
                .post(client.url("/api/v2/llmobs"))
                .header("DD-API-KEY", "wrong")
                .header("DD-APPLICATION-KEY", APP_KEY)
                .header("Content-Type", "application/json")
                .body(span_event("1", "e", "r", now_ms()).to_string()),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["errors"], json!(["Forbidden"]));
    let stats = client.inspect("/_emulator/stats").await;
    assert_eq!(stats["stored"]["spans"], 0);
    assert_eq!(stats["stored"]["eval_metrics"], 1);
}

#[tokio::test]
async fn an_admin_token_guards_introspection() {
    let client = Client::start_with(datadog_emulator::EmulatorConfig {
        admin_token: Some("let-me-in".to_string()),
        ..test_config()
    })
    .await;
    let without = client
        .send(client.http.get(client.url("/_emulator/stats")))
        .await;
    assert_eq!(without.status, 401);
    let wrong = client
        .send(
            client
                .http
                .post(client.url("/_emulator/reset"))
                .bearer_auth("guess"),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let with = client
        .send(
            client
                .http
                .get(client.url("/_emulator/stats"))
                .bearer_auth("let-me-in"),
        )
        .await;
    assert_eq!(with.status, 200);
    // The Datadog routes still take Datadog's keys, not the admin token.
    assert_eq!(client.project("p").await.len(), 36);
}
