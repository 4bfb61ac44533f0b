//! Datasets over HTTP: import (201 new, 200 identical), list, versions, and every
//! import error with its status.

use serde_json::{Value, json};

use crate::helpers::{SAMPLE, error_of, spawn_app, spawn_app_with};

#[tokio::test]
async fn importing_the_sample_is_201_then_200_with_the_same_version() {
    let app = spawn_app().await;
    let first = app
        .post("/api/v1/datasets/import", &json!({"path": SAMPLE}))
        .await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["name"], SAMPLE);
    assert_eq!(first["version"], 1);
    assert_eq!(first["size"], 10);
    assert!(
        first["content_hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let again = app
        .post("/api/v1/datasets/import", &json!({"path": SAMPLE}))
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap(), first);

    let list: Value = app.get("/api/v1/datasets").await.json().await.unwrap();
    assert_eq!(list["datasets"].as_array().unwrap().len(), 1);
    assert_eq!(list["datasets"][0]["name"], SAMPLE);
    assert_eq!(list["datasets"][0]["latest_version"], 1);
    assert_eq!(list["datasets"][0]["versions"], 1);
    let versions: Value = app.get_json(&format!("/api/v1/datasets/{SAMPLE}")).await;
    assert_eq!(
        versions["versions"][0]["content_hash"],
        first["content_hash"]
    );
    assert_eq!(versions["versions"][0]["source"], SAMPLE);
    app.cleanup().await;
}

#[tokio::test]
async fn import_errors_name_the_path_or_the_lines() {
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().join("broken-set");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("records.jsonl"), "{\"id\": \"a\"}\nnot json\n").unwrap();
    let dir = data.path().to_path_buf();
    let app = spawn_app_with(move |s| s.data_dir = dir).await;

    let body = error_of(
        app.post("/api/v1/datasets/import", &json!({"path": "broken-set"}))
            .await,
        422,
    )
    .await;
    assert_eq!(body["error"]["code"], "invalid_dataset");
    let details = body["error"]["details"].as_array().unwrap();
    assert!(
        details.iter().any(|d| d["field"] == "records.jsonl:1"),
        "{body}"
    );
    assert!(
        details.iter().any(|d| d["field"] == "records.jsonl:2"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("nothing was imported"),
        "{body}"
    );

    assert_eq!(
        error_of(
            app.post("/api/v1/datasets/import", &json!({"path": "../etc"}))
                .await,
            422
        )
        .await,
        json!({"error": {"code": "invalid_request", "message": "path: path \"../etc\": uses '..'",
                         "details": [{"field": "path", "message": "path \"../etc\": uses '..'"}]}})
    );
    assert_eq!(
        error_of(
            app.post("/api/v1/datasets/import", &json!({"path": "missing"}))
                .await,
            404
        )
        .await,
        json!({"error": {"code": "not_found",
                         "message": "path: path \"missing\" does not exist under the data directory",
                         "details": [{"field": "path", "message": "path \"missing\" does not exist under the data directory"}]}})
    );
    assert_eq!(
        error_of(
            app.post(
                "/api/v1/datasets/import",
                &json!({"path": 3, "extra": true})
            )
            .await,
            422
        )
        .await,
        json!({"error": {"code": "invalid_request",
                         "message": "path: must be a string; extra: unknown field; expected only path",
                         "details": [{"field": "path", "message": "must be a string"},
                                     {"field": "extra", "message": "unknown field; expected only path"}]}})
    );
    // Nothing was registered.
    let list: Value = app.get("/api/v1/datasets").await.json().await.unwrap();
    assert_eq!(list["datasets"], json!([]));
    app.cleanup().await;
}
