//! The web UI's HTTP side: the page and its assets are served by the API itself with
//! a strict policy, and a record's pages are served only with a key and never from
//! outside the data directory.

use serde_json::{Value, json};

use tally_core::contract::DatasetName;
use tally_core::dataset::{ContentHash, DatasetRecord};

use crate::helpers::{SAMPLE, error_of, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_page_and_its_assets_come_from_the_api() {
    let app = spawn_app().await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/", "/ui"] {
        let response = no_redirects.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/ui/", "{path}");
    }
    // No key needed: the page holds no data and asks for the key itself.
    let page = app.client.get(app.url("/ui/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("img-src 'self' blob:"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="/ui/js/main.js">"#));
    assert!(
        !html.contains("://"),
        "the page loads nothing from elsewhere"
    );

    let script = app
        .client
        .get(app.url("/ui/js/main.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let missing = app
        .client
        .get(app.url("/ui/js/nope.js"))
        .send()
        .await
        .unwrap();
    let body = error_of(missing, 404).await;
    assert_eq!(body["error"]["message"], "no UI asset js/nope.js");
    app.cleanup().await;
}

#[tokio::test]
async fn a_record_and_its_pages_are_served_with_the_key() {
    let app = spawn_app().await;
    app.import_sample().await;
    let base = format!("/api/v1/datasets/{SAMPLE}/versions/1/records/unit-03");
    let record: Value = app.get(&base).await.json().await.unwrap();
    assert_eq!(record["id"], "unit-03");
    assert_eq!(record["dataset_version"], 1);
    assert_eq!(
        record["expected_output"][0]["form_info"]["province"],
        "กรุงเทพมหานคร"
    );
    let pages = record["page_urls"].as_array().unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0], json!(app.url(&format!("{base}/pages/1"))));

    let image = app.get(&format!("{base}/pages/2")).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    let bytes = image.bytes().await.unwrap();
    let on_disk = std::fs::read(
        crate::helpers::datasets_dir().join(format!("{SAMPLE}/images/unit-03/page-2.png")),
    )
    .unwrap();
    assert_eq!(bytes.as_ref(), on_disk.as_slice());

    let without_key = app
        .client
        .get(app.url(&format!("{base}/pages/1")))
        .send()
        .await
        .unwrap();
    error_of(without_key, 401).await;
    for (path, message) in [
        (
            format!("{base}/pages/4"),
            "record unit-03 has pages 1 to 3, not \"4\"",
        ),
        (
            format!("{base}/pages/0"),
            "record unit-03 has pages 1 to 3, not \"0\"",
        ),
        (
            format!("/api/v1/datasets/{SAMPLE}/versions/2/records/unit-03"),
            "dataset vote-extraction-bangbamru-1-10 has no version 2",
        ),
        (
            format!("/api/v1/datasets/{SAMPLE}/versions/latest/records/unit-03"),
            "dataset versions are numbers (1, 2, …), not \"latest\"",
        ),
        (
            format!("/api/v1/datasets/{SAMPLE}/versions/1/records/unit-99"),
            "dataset vote-extraction-bangbamru-1-10 version 1 has no record \"unit-99\"",
        ),
    ] {
        let body = error_of(app.get(&path).await, 404).await;
        assert_eq!(body["error"]["message"], message, "{path}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn page_images_never_come_from_outside_the_data_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("set")).unwrap();
    std::fs::write(tmp.path().join("secret.png"), b"\x89PNG\r\n\x1a\nsecret").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret.png"), data.join("set/link.png")).unwrap();
    let dir = data.clone();
    let app = spawn_app_with(move |settings| settings.data_dir = dir).await;
    // Stored paths as a tampered store could hold them: import would refuse both.
    let record: DatasetRecord = serde_json::from_value(json!({
        "id": "r1",
        "input": {"form_set_name": "r1", "image_paths": ["set/link.png", "../secret.png"], "num_pages": 2},
        "expected_output": []
    }))
    .unwrap();
    let hash = ContentHash::parse(&format!("sha256:{}", "0".repeat(64))).unwrap();
    let name = DatasetName::parse("set").unwrap();
    app.api_store()
        .await
        .register_dataset_version(&name, &hash, "set", &[record])
        .await
        .unwrap();
    let base = "/api/v1/datasets/set/versions/1/records/r1/pages";
    let symlink = error_of(app.get(&format!("{base}/1")).await, 404).await;
    assert_eq!(
        symlink["error"]["message"],
        "page 1: image \"set/link.png\" is a symlink that leads outside the dataset folder"
    );
    let dotdot = error_of(app.get(&format!("{base}/2")).await, 500).await;
    let text = dotdot.to_string();
    assert!(!text.contains("secret") && !text.contains(".."), "{text}");
    app.cleanup().await;
}
