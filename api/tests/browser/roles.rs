//! The web UI shows a key only the controls its role allows: a viewer key gets no
//! submit, cancel or pause; a runner key cancels only its own runs.

use std::time::Duration;

use serde_json::{Value, json};
use tally_api::ApiKeys;
use tally_api::roles::Role;

use crate::flows::ONE_AT_A_TIME;
use crate::helpers::{KEY, KEY_NAME, SAMPLE, TestApp, spawn_app_with};
use crate::stack::sign_in;
use crate::webdriver::Browser;

const VIEWER_KEY: &str = "viewer-key-0123456789abcdef";
const RUNNER_KEY: &str = "runner-key-0123456789abcdef";
const SHORT: Duration = Duration::from_secs(15);

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    let response = app
        .client
        .post(app.url(path))
        .header("X-API-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn submit(app: &TestApp, key: &str) -> String {
    let body = json!({"dataset_name": SAMPLE,
                      "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0}]});
    let accepted = post(app, key, "/api/v1/experiments/run-async", body).await;
    accepted["run_id"].as_str().unwrap().to_string()
}

/// Whether the run page of `run` offers Cancel, once the page has loaded.
async fn offers_cancel(browser: &Browser, app: &TestApp, run: &str) -> bool {
    browser.goto(&format!("{}/ui/#/runs/{run}", app.base)).await;
    // The heading names the run: what is read is this run's page, not the last one.
    let script = format!(
        "const b = document.getElementById('cancel-run'); \
         return document.querySelector('main h1')?.textContent === 'Run {run}' \
           && document.getElementById('overall-progress') && b ? String(!b.hidden) : null"
    );
    let offered = browser.wait_for("the run's progress", &script, SHORT).await;
    offered == "true"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_viewer_sees_no_submit_cancel_or_pause_and_a_runner_cancels_only_its_own_runs() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = spawn_app_with(|settings| {
        settings.api_keys = ApiKeys::with_roles(&[
            (KEY_NAME, KEY, Role::Admin),
            ("dashboard", VIEWER_KEY, Role::Viewer),
            ("ci-runner", RUNNER_KEY, Role::Runner),
        ])
    })
    .await;
    app.import_sample().await;
    let by_admin = submit(&app, KEY).await;
    let by_runner = submit(&app, RUNNER_KEY).await;
    let schedule = json!({"name": "weekly-roles", "cron": "0 8 * * 1",
        "request": {"dataset_name": SAMPLE,
                    "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0}]}});
    post(&app, KEY, "/api/v1/schedules", schedule).await;
    let browser = Browser::start().await;

    sign_in(&browser, &format!("{}/ui/", app.base), VIEWER_KEY).await;
    let form = browser
        .wait_for(
            "the run form without its submit button",
            "return document.getElementById('no-submit') \
               && document.getElementById('request-preview') \
               && !document.getElementById('submit-run') \
               && document.getElementById('no-submit').textContent",
            SHORT,
        )
        .await;
    assert!(form.as_str().unwrap().contains("viewer role"), "{form}");
    assert!(!offers_cancel(&browser, &app, &by_admin).await);
    assert!(!offers_cancel(&browser, &app, &by_runner).await);
    browser.goto(&format!("{}/ui/#/schedules", app.base)).await;
    let buttons = browser
        .wait_for(
            "the schedules table",
            "const row = document.querySelector('#schedules-table tbody tr'); \
             return row && row.textContent.includes('weekly-roles') \
               ? document.querySelectorAll('#schedules-table button').length : null",
            SHORT,
        )
        .await;
    assert_eq!(buttons, 0, "a viewer may not pause a schedule");

    browser.click("#sign-out").await;
    sign_in(&browser, &format!("{}/ui/", app.base), RUNNER_KEY).await;
    browser
        .wait_for(
            "the submit button for a runner",
            "return !!document.getElementById('submit-run')",
            SHORT,
        )
        .await;
    assert!(offers_cancel(&browser, &app, &by_runner).await);
    assert!(!offers_cancel(&browser, &app, &by_admin).await);

    browser.click("#sign-out").await;
    sign_in(&browser, &format!("{}/ui/", app.base), KEY).await;
    assert!(offers_cancel(&browser, &app, &by_runner).await);
    browser.goto(&format!("{}/ui/#/schedules", app.base)).await;
    browser
        .wait_for(
            "the pause button for an admin",
            "return document.querySelectorAll('#schedules-table button').length > 0",
            SHORT,
        )
        .await;
    browser.quit().await;
    app.cleanup().await;
}
