//! Datasets in from Datadog (datadog-emulator) and out to it: records read page by
//! page, images found in the data directory's folder named like the dataset (or
//! kept as gs:// URIs), validated like a folder, stored with their origin; a tally
//! version pushed back; and every failure named.

use serde_json::{Value, json};
use tally_core::contract::Secret;
use tally_datadog::{Credentials, DatadogSettings};

use crate::helpers::{SAMPLE, TestApp, datasets_dir, error_of, spawn_app_with};

const API_KEY: &str = "emulator-api-key";
const APP_KEY: &str = "emulator-app-key";
const PROJECT: &str = "tally-import";

fn settings_for(base: &str) -> DatadogSettings {
    DatadogSettings {
        credentials: Some(Credentials {
            api_key: Secret::new(API_KEY),
            app_key: Secret::new(APP_KEY),
        }),
        override_origin: Some(base.to_string()),
        ..DatadogSettings::default()
    }
}

/// A request to the emulator as ddtrace makes it.
async fn datadog(method: reqwest::Method, url: String, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("DD-API-KEY", API_KEY)
        .header("DD-APPLICATION-KEY", APP_KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the emulator answers");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

/// Creates the Datadog dataset `name` in `PROJECT` holding `records` (as ddtrace's
/// `create_dataset` does); returns the project and dataset ids.
async fn seed(base: &str, name: &str, records: Vec<Value>) -> (String, String) {
    use reqwest::Method;
    let project = datadog(
        Method::POST,
        format!("{base}/api/unstable/llm-obs/v1/projects"),
        Some(json!({"data": {"type": "projects", "attributes": {"name": PROJECT, "description": ""}}})),
    )
    .await;
    let project_id = project["data"]["id"].as_str().unwrap().to_string();
    let dataset = datadog(
        Method::POST,
        format!("{base}/api/unstable/llm-obs/v1/{project_id}/datasets"),
        Some(
            json!({"data": {"type": "datasets", "attributes": {"name": name, "description": ""}}}),
        ),
    )
    .await;
    let dataset_id = dataset["data"]["id"].as_str().unwrap().to_string();
    datadog(
        Method::POST,
        format!("{base}/api/v2/llm-obs/v1/{project_id}/datasets/{dataset_id}/batch_update"),
        Some(
            json!({"data": {"type": "datasets", "id": dataset_id, "attributes": {
            "insert_records": records, "update_records": [], "delete_records": [],
            "deduplicate": true, "create_new_version": true}}}),
        ),
    )
    .await;
    (project_id, dataset_id)
}

/// The shipped sample's records in Datadog's shape, plus one whose page is a gs:// URI.
fn sample_as_datadog_records() -> Vec<Value> {
    let text = std::fs::read_to_string(datasets_dir().join(SAMPLE).join("records.jsonl")).unwrap();
    let mut records: Vec<Value> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let record: Value = serde_json::from_str(line).unwrap();
            json!({
                "id": format!("{i:032x}"),
                "input": record["input"],
                "expected_output": {"reports": record["expected_output"]},
                "metadata": record.get("metadata").cloned().unwrap_or(json!({})),
            })
        })
        .collect();
    let mut remote = records[0].clone();
    remote["id"] = json!(format!("{:032x}", 99));
    remote["input"]["image_paths"] = json!(["gs://tally-pages/unit-01/page-1.png"]);
    remote["input"]["num_pages"] = json!(1);
    records.push(remote);
    records
}

async fn import(app: &TestApp, datadog: Value) -> reqwest::Response {
    app.post("/api/v1/datasets/import", &json!({ "datadog": datadog }))
        .await
}

#[tokio::test]
async fn a_datadog_dataset_is_imported_page_by_page_with_its_images_and_origin() {
    let emulator = datadog_emulator::spawn(datadog_emulator::EmulatorConfig {
        page_size: 3,
        ..Default::default()
    })
    .await
    .expect("datadog-emulator");
    let base = emulator.base_url();
    let (project_id, dataset_id) = seed(&base, SAMPLE, sample_as_datadog_records()).await;
    let settings = settings_for(&base);
    let app = spawn_app_with(move |s| s.datadog = settings).await;

    let spec = json!({"project_name": PROJECT, "dataset_name": SAMPLE});
    let first = import(&app, spec.clone()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["name"], SAMPLE);
    assert_eq!(first["size"], 11, "every page was read: {first}");
    let origin = &first["datadog"];
    assert_eq!(origin["project_id"], project_id);
    assert_eq!(origin["dataset_id"], dataset_id);
    assert_eq!(origin["version"], 1);
    assert_eq!(
        origin["url"],
        format!("https://app.datadoghq.com/llm/datasets/{dataset_id}")
    );
    let again = import(&app, spec).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap(), first);

    let versions: Value = app.get_json(&format!("/api/v1/datasets/{SAMPLE}")).await;
    assert_eq!(versions["versions"][0]["datadog"], *origin);

    // The local pages are the sample folder's; the gs:// page is kept as it is.
    let local: Value = app
        .get_json(&format!(
            "/api/v1/datasets/{SAMPLE}/versions/1/records/{:032x}",
            0
        ))
        .await;
    assert_eq!(
        local["input"]["image_paths"][0],
        format!("{SAMPLE}/images/unit-01/page-1.png")
    );
    let page = app
        .get(&format!(
            "/api/v1/datasets/{SAMPLE}/versions/1/records/{:032x}/pages/1",
            0
        ))
        .await;
    assert_eq!(page.status(), 200);
    let remote: Value = app
        .get_json(&format!(
            "/api/v1/datasets/{SAMPLE}/versions/1/records/{:032x}",
            99
        ))
        .await;
    assert_eq!(
        remote["input"]["image_paths"][0],
        "gs://tally-pages/unit-01/page-1.png"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn datadog_import_failures_name_the_field_or_the_record() {
    let emulator = datadog_emulator::spawn(datadog_emulator::EmulatorConfig::default())
        .await
        .expect("datadog-emulator");
    let base = emulator.base_url();
    let mut records = sample_as_datadog_records();
    records[1]["input"]
        .as_object_mut()
        .unwrap()
        .remove("num_pages");
    records[2]["input"]["image_paths"] = json!(["images/missing.png", "x", "y"]);
    seed(&base, "broken-in-datadog", records).await;
    let settings = settings_for(&base);
    let app = spawn_app_with(move |s| s.datadog = settings).await;

    let cases = [
        (
            json!({"datadog": {"project_name": PROJECT, "dataset_name": "nowhere"}}),
            404,
            "datadog.dataset_name",
        ),
        (
            json!({"datadog": {"project_name": PROJECT, "dataset_name": "broken-in-datadog", "version": 7}}),
            404,
            "datadog.version",
        ),
        (
            json!({"datadog": {"project_name": PROJECT, "dataset_name": "broken-in-datadog"}}),
            422,
            "datadog:2",
        ),
        (
            json!({"datadog": {"project_name": PROJECT}, "path": SAMPLE}),
            422,
            "path",
        ),
        (
            json!({"datadog": {"project_name": PROJECT}}),
            422,
            "datadog.dataset_name",
        ),
        (
            json!({"datadog": {"project_name": PROJECT, "dataset_name": "a", "version": -1}}),
            422,
            "datadog.version",
        ),
        (json!({"datadog": "x"}), 422, "datadog"),
    ];
    for (body, status, field) in cases {
        let response = app.post("/api/v1/datasets/import", &body).await;
        let error = error_of(response, status).await;
        let fields: Vec<&str> = error["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["field"].as_str())
            .collect();
        assert!(fields.contains(&field), "{body}: {error}");
    }
    // The third record's missing page is reported too, and nothing was stored.
    let broken = error_of(
        app.post(
            "/api/v1/datasets/import",
            &json!({"datadog": {"project_name": PROJECT, "dataset_name": "broken-in-datadog"}}),
        )
        .await,
        422,
    )
    .await;
    assert!(broken.to_string().contains("datadog:3"), "{broken}");
    // The refusal names the Datadog dataset read, not a folder.
    let problems = broken["error"]["details"].as_array().unwrap().len();
    assert_eq!(
        broken["error"]["message"],
        format!(
            "the Datadog dataset \"broken-in-datadog\" has {problems} problem(s); nothing was \
             imported"
        ),
        "{broken}"
    );
    assert_eq!(
        app.get("/api/v1/datasets/broken-in-datadog").await.status(),
        404
    );

    // Datadog down: 502, in Datadog's words.
    reqwest::Client::new()
        .patch(format!("{base}/_emulator/faults"))
        .json(&json!({"outage": true}))
        .send()
        .await
        .unwrap();
    let down = app
        .post(
            "/api/v1/datasets/import",
            &json!({"datadog": {"project_name": PROJECT, "dataset_name": SAMPLE}}),
        )
        .await;
    assert_eq!(
        error_of(down, 502).await["error"]["code"],
        "datadog_unavailable"
    );
    app.cleanup().await;

    // No keys on the server: the request cannot be served, and says why.
    let keyless = crate::helpers::spawn_app().await;
    let response = keyless
        .post(
            "/api/v1/datasets/import",
            &json!({"datadog": {"project_name": PROJECT, "dataset_name": SAMPLE}}),
        )
        .await;
    let error = error_of(response, 422).await;
    assert!(error.to_string().contains("DD_API_KEY"), "{error}");
    keyless.cleanup().await;
}

#[tokio::test]
async fn a_tally_dataset_is_pushed_to_datadog_and_reads_back_the_same() {
    let emulator = datadog_emulator::spawn(datadog_emulator::EmulatorConfig::default())
        .await
        .expect("datadog-emulator");
    let base = emulator.base_url();
    let settings = settings_for(&base);
    let app = spawn_app_with(move |s| s.datadog = settings).await;
    app.import_sample().await;

    let pushed = app
        .post(
            &format!("/api/v1/datasets/{SAMPLE}/datadog"),
            &json!({"project_name": PROJECT}),
        )
        .await;
    assert_eq!(pushed.status(), 200);
    let pushed: Value = pushed.json().await.unwrap();
    assert_eq!(pushed["version"], 1);
    let target = &pushed["datadog"];
    let records = datadog(
        reqwest::Method::GET,
        format!(
            "{base}/api/v2/llm-obs/v1/{}/datasets/{}/records?filter[version]={}",
            target["project_id"].as_str().unwrap(),
            target["dataset_id"].as_str().unwrap(),
            target["version"]
        ),
        None,
    )
    .await;
    assert_eq!(records["data"].as_array().unwrap().len(), 10);

    // Read back, it is the same content under Datadog's record ids.
    let pulled = import(
        &app,
        json!({"project_name": PROJECT, "dataset_name": SAMPLE}),
    )
    .await;
    assert_eq!(pulled.status(), 201);
    let pulled: Value = pulled.json().await.unwrap();
    assert_eq!(pulled["size"], 10);
    assert_eq!(pulled["datadog"]["dataset_id"], target["dataset_id"]);

    let unknown = app
        .post("/api/v1/datasets/nothing-here/datadog", &json!({}))
        .await;
    assert_eq!(unknown.status(), 404);
    let bad = app
        .post(
            &format!("/api/v1/datasets/{SAMPLE}/datadog"),
            &json!({"version": 0, "extra": 1}),
        )
        .await;
    let bad = error_of(bad, 422).await.to_string();
    assert!(bad.contains("version") && bad.contains("extra"), "{bad}");
    app.cleanup().await;
}
