//! Roles on keys: a read key only reads, a run key also submits and cancels, an admin
//! key does everything; a refused route is a 403 naming the role it needs.

use serde_json::json;
use tally_api::ApiKeys;
use tally_api::roles::Role;

use crate::helpers::{KEY, KEY_NAME, SAMPLE, error_of, spawn_app_with};

const READ_KEY: &str = "read-key-0123456789abcdef";
const RUN_KEY: &str = "run-key-0123456789abcdef";

#[tokio::test]
async fn each_role_reaches_its_routes_and_is_told_which_role_the_others_need() {
    let app = spawn_app_with(|settings| {
        settings.api_keys = ApiKeys::with_roles(&[
            (KEY_NAME, KEY, Role::Admin),
            ("dashboard", READ_KEY, Role::Read),
            ("ci-runner", RUN_KEY, Role::Run),
        ])
    })
    .await;
    let send = |method: reqwest::Method, path: &str, key: &str| {
        app.client
            .request(method, app.url(path))
            .header("X-API-Key", key.to_string())
    };

    let me = send(reqwest::Method::GET, "/api/v1/whoami", READ_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap(),
        json!({"name": "dashboard", "role": "read"})
    );
    let listed = send(reqwest::Method::GET, "/api/v1/experiments/runs", READ_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);

    let submit =
        json!({"dataset_name": SAMPLE, "model_configs": [{"model": "m", "temperature": 0}]});
    let refused = send(
        reqwest::Method::POST,
        "/api/v1/experiments/run-async",
        READ_KEY,
    )
    .json(&submit)
    .send()
    .await
    .unwrap();
    let error = error_of(refused, 403).await;
    assert_eq!(error["error"]["code"], "forbidden");
    assert_eq!(
        error["error"]["message"],
        "this route needs a key with the run role; this key has the read role"
    );

    let refused = send(reqwest::Method::POST, "/api/v1/datasets/import", RUN_KEY)
        .json(&json!({"name": SAMPLE}))
        .send()
        .await
        .unwrap();
    let error = error_of(refused, 403).await;
    assert_eq!(
        error["error"]["message"],
        "this route needs a key with the admin role; this key has the run role"
    );
    let refused = send(reqwest::Method::DELETE, "/api/v1/schedules/weekly", RUN_KEY)
        .send()
        .await
        .unwrap();
    error_of(refused, 403).await;

    let me = send(reqwest::Method::GET, "/api/v1/whoami", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap(),
        json!({"name": KEY_NAME, "role": "admin"})
    );
    app.cleanup().await;
}
