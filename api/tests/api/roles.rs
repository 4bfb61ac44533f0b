//! Roles on keys: a viewer key only reads, a runner key also submits and changes its
//! own runs, an admin key does everything; a refused route is a 403 that says why,
//! and the OpenAPI document names the role each route needs.

use reqwest::Method;
use serde_json::{Value, json};
use tally_api::ApiKeys;
use tally_api::roles::Role;

use crate::helpers::{KEY, KEY_NAME, SAMPLE, TestApp, error_of, spawn_app_with};

const VIEWER_KEY: &str = "viewer-key-0123456789abcdef";
const RUNNER_KEY: &str = "runner-key-0123456789abcdef";
const OTHER_RUNNER_KEY: &str = "other-runner-key-0123456789";

async fn app_with_roles() -> TestApp {
    spawn_app_with(|settings| {
        settings.api_keys = ApiKeys::with_roles(&[
            (KEY_NAME, KEY, Role::Admin),
            ("dashboard", VIEWER_KEY, Role::Viewer),
            ("ci-runner", RUNNER_KEY, Role::Runner),
            ("other-runner", OTHER_RUNNER_KEY, Role::Runner),
        ])
    })
    .await
}

fn send(app: &TestApp, method: Method, path: &str, key: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("X-API-Key", key.to_string())
}

async fn whoami(app: &TestApp, key: &str) -> Value {
    let me = send(app, Method::GET, "/api/v1/whoami", key)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    me.json().await.unwrap()
}

#[tokio::test]
async fn each_role_reaches_its_routes_and_is_told_which_role_the_others_need() {
    let app = app_with_roles().await;
    assert_eq!(
        whoami(&app, VIEWER_KEY).await,
        json!({"name": "dashboard", "role": "viewer"})
    );
    assert_eq!(
        whoami(&app, RUNNER_KEY).await,
        json!({"name": "ci-runner", "role": "runner"})
    );
    assert_eq!(
        whoami(&app, KEY).await,
        json!({"name": KEY_NAME, "role": "admin"})
    );
    let listed = send(&app, Method::GET, "/api/v1/experiments/runs", VIEWER_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);

    let submit =
        json!({"dataset_name": SAMPLE, "model_configs": [{"model": "m", "temperature": 0}]});
    let refused = send(
        &app,
        Method::POST,
        "/api/v1/experiments/run-async",
        VIEWER_KEY,
    )
    .json(&submit)
    .send()
    .await
    .unwrap();
    let error = error_of(refused, 403).await;
    assert_eq!(error["error"]["code"], "forbidden");
    assert_eq!(
        error["error"]["message"],
        "this route needs a key with the runner role; this key has the viewer role"
    );

    let refused = send(&app, Method::POST, "/api/v1/datasets/import", RUNNER_KEY)
        .json(&json!({"name": SAMPLE}))
        .send()
        .await
        .unwrap();
    let error = error_of(refused, 403).await;
    assert_eq!(
        error["error"]["message"],
        "this route needs a key with the admin role; this key has the runner role"
    );
    let refused = send(&app, Method::DELETE, "/api/v1/schedules/weekly", RUNNER_KEY)
        .send()
        .await
        .unwrap();
    error_of(refused, 403).await;
    app.cleanup().await;
}

/// Submits the sample as `key`; the run id.
async fn submit_as(app: &TestApp, key: &str) -> String {
    let body = json!({"dataset_name": SAMPLE,
                      "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0}]});
    let response = send(app, Method::POST, "/api/v1/experiments/run-async", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let accepted: Value = response.json().await.unwrap();
    accepted["run_id"].as_str().unwrap().to_string()
}

fn run_path(run: &str, action: &str) -> String {
    format!("/api/v1/experiments/runs/{run}{action}")
}

/// The status of a cancel or retry (`action`) of `run` asked with `key`.
async fn change(app: &TestApp, run: &str, action: &str, key: &str) -> u16 {
    send(app, Method::POST, &run_path(run, action), key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_runner_cancels_and_retries_only_its_own_runs_and_an_admin_any() {
    let app = app_with_roles().await;
    app.import_sample().await;
    let mine = submit_as(&app, RUNNER_KEY).await;
    let theirs = submit_as(&app, OTHER_RUNNER_KEY).await;
    let by_admin = submit_as(&app, KEY).await;

    for (run, owner) in [(&theirs, "other-runner"), (&by_admin, KEY_NAME)] {
        for action in ["/cancel", "/retry"] {
            let refused = send(&app, Method::POST, &run_path(run, action), RUNNER_KEY)
                .send()
                .await
                .unwrap();
            let error = error_of(refused, 403).await;
            assert_eq!(error["error"]["code"], "forbidden");
            assert_eq!(
                error["error"]["message"],
                format!(
                    "run {run} was submitted by the key {owner}; a key with the runner role may \
                     cancel and retry only the runs it submitted (an admin key may change any run)"
                )
            );
        }
    }
    // The refused cancel changed nothing.
    let status: Value = send(&app, Method::GET, &run_path(&theirs, ""), VIEWER_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "queued");
    assert_eq!(status["cancel_requested"], json!(false), "{status}");

    // Its own run: a retry is refused only because the run has not ended.
    assert_eq!(change(&app, &mine, "/retry", RUNNER_KEY).await, 409);
    assert_eq!(change(&app, &mine, "/cancel", RUNNER_KEY).await, 202);
    // An admin key changes anyone's run; an unknown run is 404, not 403.
    assert_eq!(change(&app, &theirs, "/cancel", KEY).await, 202);
    let unknown = "run_01jd5x00000000000000000000";
    assert_eq!(change(&app, unknown, "/cancel", RUNNER_KEY).await, 404);
    app.cleanup().await;
}

#[tokio::test]
async fn the_openapi_document_names_the_role_each_route_enforces() {
    let app = app_with_roles().await;
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();
    let keys = [
        (Role::Viewer, VIEWER_KEY),
        (Role::Runner, RUNNER_KEY),
        (Role::Admin, KEY),
    ];
    let mut checked = 0;
    for (template, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(role) = operation["x-tally-role"].as_str() else {
                assert_eq!(operation["security"], json!([]), "{method} {template}");
                continue;
            };
            let needed = Role::parse(role).unwrap_or_else(|| panic!("{template}: {role}"));
            let description = operation["description"].as_str().unwrap();
            assert!(
                description.contains(&format!("the {role} role")),
                "{method} {template}: {description}"
            );
            // Any value fits each path parameter: the role is checked before it is read.
            let path = template
                .split('/')
                .map(|s| if s.starts_with('{') { "x1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            for (role, key) in keys {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let status = send(&app, method.clone(), &path, key)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(
                    status == 403,
                    role < needed,
                    "{method} {path} with a {role} key answered {status}; the document says {needed}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} routes named a role");
    app.cleanup().await;
}
