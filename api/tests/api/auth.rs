//! Only health, metrics and docs answer without a key; a wrong key is refused; the
//! router serves exactly the documented routes.

use serde_json::json;

use crate::helpers::{TestApp, error_of, spawn_app};

const SAMPLE_RUN: &str = "run_01jd5x00000000000000000000";
const SAMPLE_EXPERIMENT: &str = "exp_01jd5x00000000000000000000";

fn concrete(path: &str) -> String {
    path.replace("runs/{id}", &format!("runs/{SAMPLE_RUN}"))
        .replace(
            "experiments/{id}",
            &format!("experiments/{SAMPLE_EXPERIMENT}"),
        )
        .replace("{name}", "some-dataset")
}

/// A request of the documented method; those that may carry a body carry `{}`.
fn request_of(app: &TestApp, method: &str, url: &str) -> reqwest::RequestBuilder {
    match method {
        "get" => app.client.get(url),
        "delete" => app.client.delete(url),
        "put" => app.client.put(url).json(&json!({})),
        _ => app.client.post(url).json(&json!({})),
    }
}

#[tokio::test]
async fn no_route_but_the_open_ones_answers_without_a_key() {
    let app = spawn_app().await;
    let open = [
        "/api/v1/experiments/health",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
    ];
    for (method, path) in tally_api::openapi::routes() {
        let url = app.url(&concrete(path));
        let request = request_of(&app, method, &url);
        let response = request.send().await.unwrap();
        if open.contains(&path) {
            assert_eq!(response.status(), 200, "{method} {path}");
        } else {
            let body = error_of(response, 401).await;
            assert_eq!(
                body,
                json!({"error": {"code": "unauthorized", "message": "missing X-API-Key header", "details": []}}),
                "{method} {path}"
            );
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_the_right_one_admitted() {
    let app = spawn_app().await;
    for wrong in ["ci-key-0123456789abcdeX", "", "ci-key", "ci"] {
        let response = app
            .client
            .get(app.url("/api/v1/datasets"))
            .header("X-API-Key", wrong)
            .send()
            .await
            .unwrap();
        let body = error_of(response, 401).await;
        assert_eq!(
            body,
            json!({"error": {"code": "unauthorized", "message": "the X-API-Key is not valid", "details": []}})
        );
    }
    assert_eq!(app.get("/api/v1/datasets").await.status(), 200);
    app.cleanup().await;
}

#[tokio::test]
async fn every_documented_route_exists_with_a_key() {
    let app = spawn_app().await;
    for (method, path) in tally_api::openapi::routes() {
        let url = app.url(&concrete(path));
        let request = request_of(&app, method, &url);
        let response = request
            .header("X-API-Key", crate::helpers::KEY)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path}");
        assert!(!body.contains("no route"), "{method} {path}: {body}");
    }
    app.cleanup().await;
}
