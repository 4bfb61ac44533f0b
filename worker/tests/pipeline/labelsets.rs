//! A label set pre-filled by a real run: the emulator answers the sample's pages,
//! the answers become drafts, labels accepted from them are published as a dataset
//! version, and an experiment runs on that version like on any other.

use std::path::Path;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use tally_core::contract::RunStatus;
use tally_core::run::RunId;

use crate::harness::{API_KEY, Harness, SAMPLE, request_for};

/// The sample's page images, one folder per unit, as a `.tar.gz`.
fn scans(images: &Path) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    builder.append_dir_all(".", images).expect("images pack");
    builder
        .into_inner()
        .expect("tar ends")
        .finish()
        .expect("gzip ends")
}

async fn call(
    harness: &Harness,
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = harness
        .http
        .request(method, format!("{base}{path}"))
        .header("X-API-Key", API_KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the API answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn drafts_from_a_prefill_run_are_labelled_published_and_experimented_on() {
    let data = tempfile::tempdir().expect("temp dir");
    let sample = crate::harness::repo_datasets().join(SAMPLE);
    let images = sample.join("images");
    let mut harness =
        Harness::start_with_data("labelsets", 0, &crate::harness::repo_datasets()).await;
    // The label set's pages are written into a data directory of the test's own.
    harness.data_dir = data.path().to_path_buf();
    harness.start_worker("w1").await;
    let base = harness.start_api().await;

    let created = harness
        .http
        .post(format!("{base}/api/v1/labelsets?name=scans"))
        .header("X-API-Key", API_KEY)
        .header("Content-Type", "application/gzip")
        .body(scans(&images))
        .send()
        .await
        .expect("the API answers");
    assert_eq!(
        created.status(),
        201,
        "{}",
        created.text().await.unwrap_or_default()
    );

    let model = json!({"model": "gemini-2.5-flash", "temperature": 0.0});
    let (status, accepted) = call(
        &harness,
        &base,
        reqwest::Method::POST,
        "/api/v1/labelsets/scans/prefill",
        Some(model.clone()),
    )
    .await;
    assert_eq!(status, 202, "{accepted}");
    let run_id = accepted["run_id"].as_str().expect("a run id").to_string();
    let run = RunId::parse(&run_id).expect("a run id");
    let view = harness.wait_final(&run, Duration::from_secs(60)).await;
    assert!(view.status.is_final());

    let (status, record) = call(
        &harness,
        &base,
        reqwest::Method::GET,
        "/api/v1/labelsets/scans/records/unit-01",
        None,
    )
    .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["draft_run_id"], run_id.as_str());
    let draft = record["draft"].clone();
    assert!(draft.as_array().is_some_and(|d| !d.is_empty()), "{record}");
    let (_, detail) = call(
        &harness,
        &base,
        reqwest::Method::GET,
        "/api/v1/labelsets/scans",
        None,
    )
    .await;
    assert_eq!(detail["prefill"]["run_id"], run_id.as_str());

    // Accepted as drafted (a reason covers a draft the perturbation made inconsistent).
    let (status, labelled) = call(
        &harness,
        &base,
        reqwest::Method::POST,
        "/api/v1/labelsets/scans/records/unit-01/label",
        Some(json!({"decision": "accept", "reports": draft, "override_reason": "as drafted"})),
    )
    .await;
    assert_eq!(status, 200, "{labelled}");
    assert_eq!(labelled["labels"][0]["from_draft"], true);
    assert_eq!(labelled["labels"][0]["draft_changed"], false);

    let (status, published) = call(
        &harness,
        &base,
        reqwest::Method::POST,
        "/api/v1/labelsets/scans/publish",
        Some(json!({"dataset": "checked"})),
    )
    .await;
    assert_eq!(status, 201, "{published}");
    assert_eq!(published["records"], 1);
    let (_, record) = call(
        &harness,
        &base,
        reqwest::Method::GET,
        "/api/v1/datasets/checked/versions/1/records/unit-01",
        None,
    )
    .await;
    assert_eq!(record["metadata"]["draft_changed"], false);

    let run = harness
        .submit(&request_for(
            "checked",
            r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
            r#", "dataset_version": 1"#,
        ))
        .await;
    let view = harness.wait_final(&run, Duration::from_secs(60)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    harness.cleanup().await;
}
