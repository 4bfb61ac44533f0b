//! Dataset upload (`POST /api/v1/datasets?name=`): an archive of the sample is the
//! same version as the imported folder, whichever format; bad archives are refused
//! naming the entry (and line), with nothing written to disk or Redis.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tally_api::ApiKeys;
use tally_api::roles::Role;
use tally_core::contract::DatasetName;

use crate::archives::{
    RawEntry, files_of, named_zip, raw_tar_gz, symlink_zip, tar_gz_of, tiny_files_zip, zip_of,
};
use crate::helpers::{
    KEY, KEY_NAME, SAMPLE, TestApp, data_dir_with_sample, datasets_dir, error_of, spawn_app_with,
};

const GZIP: &str = "application/gzip";
const ZIP: &str = "application/zip";

async fn upload(
    app: &TestApp,
    name: &str,
    content_type: &str,
    archive: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/datasets?name={name}")))
        .header("X-API-Key", KEY)
        .header("Content-Type", content_type)
        .body(archive)
        .send()
        .await
        .unwrap()
}

async fn answer(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

fn sample_dir() -> PathBuf {
    datasets_dir().join(SAMPLE)
}

/// What the staging folder holds (nothing once every upload has ended).
fn staged(data: &Path) -> Vec<String> {
    match std::fs::read_dir(data.join(".staging")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn an_archive_of_the_sample_is_the_version_the_folder_import_gives() {
    let data = data_dir_with_sample();
    let app = spawn_app_with(|s| s.data_dir = data.path().to_path_buf()).await;
    let imported = answer(
        app.post("/api/v1/datasets/import", &json!({"path": SAMPLE}))
            .await,
        201,
    )
    .await;

    // Under the imported name, both formats find the imported version.
    let tar_gz = tar_gz_of(&sample_dir());
    let zip = zip_of(&sample_dir());
    assert_eq!(
        answer(upload(&app, SAMPLE, GZIP, tar_gz.clone()).await, 200).await,
        imported
    );
    assert_eq!(
        answer(upload(&app, SAMPLE, ZIP, zip.clone()).await, 200).await,
        imported
    );

    // Under a new name the content is a new dataset with the same hash; the other
    // format is then that same version.
    let first = answer(upload(&app, "uploaded-sample", GZIP, tar_gz).await, 201).await;
    assert_eq!(first["version"], 1);
    assert_eq!(first["size"], imported["size"]);
    assert_eq!(first["content_hash"], imported["content_hash"]);
    assert_eq!(
        answer(upload(&app, "uploaded-sample", ZIP, zip).await, 200).await,
        first
    );

    // Its records name images that the API (and workers) find: the bytes uploaded.
    let name = DatasetName::parse("uploaded-sample").unwrap();
    let records = app
        .store
        .dataset_records(&name, 1, None)
        .await
        .unwrap()
        .unwrap();
    let image = &records[0].input.image_paths[0];
    assert!(image.starts_with("uploads/uploaded-sample/"), "{image}");
    let page = app
        .get(&format!(
            "/api/v1/datasets/uploaded-sample/versions/1/records/{}/pages/1",
            records[0].id
        ))
        .await;
    assert_eq!(page.status(), 200);
    let original = app.sample_records().await[0].input.image_paths[0].clone();
    assert_eq!(
        page.bytes().await.unwrap().to_vec(),
        std::fs::read(data.path().join(original)).unwrap()
    );
    let versions: Value = app.get_json("/api/v1/datasets/uploaded-sample").await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);
    assert!(staged(data.path()).is_empty(), "{:?}", staged(data.path()));
}

fn symlink(name: &'static str, kind: tar::EntryType) -> Vec<u8> {
    raw_tar_gz(&[RawEntry {
        name,
        kind,
        declared: 0,
        bytes: b"",
        link: Some("/etc/passwd"),
    }])
}

fn special(name: &'static str, kind: tar::EntryType) -> Vec<u8> {
    raw_tar_gz(&[RawEntry {
        name,
        kind,
        declared: 0,
        bytes: b"",
        link: None,
    }])
}

#[tokio::test]
async fn malicious_archives_are_refused_naming_the_entry_and_nothing_is_written() {
    let data = tempfile::tempdir().unwrap();
    let app = spawn_app_with(|s| s.data_dir = data.path().to_path_buf()).await;
    let ten_gb: u64 = 10 * 1024 * 1024 * 1024;
    let cases: Vec<(&str, &str, Vec<u8>, &str, &str)> = vec![
        (
            "zip-slip in a tar.gz",
            GZIP,
            raw_tar_gz(&[RawEntry::file("../evil.txt", b"owned")]),
            "../evil.txt",
            "uses '..'",
        ),
        (
            "zip-slip in a zip",
            ZIP,
            named_zip("images/../../evil.txt", b"owned"),
            "images/../../evil.txt",
            "uses '..'",
        ),
        (
            "absolute path",
            GZIP,
            raw_tar_gz(&[RawEntry::file("/tmp/evil.txt", b"owned")]),
            "/tmp/evil.txt",
            "absolute path",
        ),
        (
            "symlink in a tar.gz",
            GZIP,
            symlink("records.jsonl", tar::EntryType::Symlink),
            "records.jsonl",
            "is a symbolic link",
        ),
        (
            "symlink in a zip",
            ZIP,
            symlink_zip("records.jsonl", "/etc/passwd"),
            "records.jsonl",
            "is a symbolic link",
        ),
        (
            "hard link",
            GZIP,
            symlink("records.jsonl", tar::EntryType::Link),
            "records.jsonl",
            "is a hard link",
        ),
        (
            "device",
            GZIP,
            special("images/dev", tar::EntryType::Char),
            "images/dev",
            "is a device",
        ),
        (
            "fifo",
            GZIP,
            special("images/fifo", tar::EntryType::Fifo),
            "images/fifo",
            "is a FIFO",
        ),
        (
            "10 GB declared",
            GZIP,
            raw_tar_gz(&[RawEntry {
                name: "records.jsonl",
                kind: tar::EntryType::Regular,
                declared: ten_gb,
                bytes: b"",
                link: None,
            }]),
            "records.jsonl",
            "declares 10737418240 bytes",
        ),
        (
            "100k tiny files",
            ZIP,
            tiny_files_zip(100_000),
            "f20000",
            "holds 100000 entries, more than 20000",
        ),
    ];
    for (case, content_type, archive, entry, message) in cases {
        let error = error_of(upload(&app, "evil", content_type, archive).await, 422).await;
        assert_eq!(error["error"]["code"], "invalid_dataset", "{case}: {error}");
        let details = error["error"]["details"].as_array().unwrap();
        assert!(
            details
                .iter()
                .any(|d| d["field"] == entry && d["message"].as_str().unwrap().contains(message)),
            "{case}: {error:#}"
        );
    }
    assert!(
        files_of(data.path()).is_empty(),
        "{:?}",
        files_of(data.path())
    );
    assert!(staged(data.path()).is_empty());
    assert!(!data.path().join("uploads").exists());
    assert!(app.store.dataset_names().await.unwrap().is_empty());
}

#[tokio::test]
async fn problems_name_the_entry_and_line_and_the_request_is_checked_first() {
    let data = tempfile::tempdir().unwrap();
    let app = spawn_app_with(|s| {
        s.data_dir = data.path().to_path_buf();
        s.upload.archive_bytes = 200_000;
        s.api_keys = ApiKeys::with_roles(&[
            (KEY_NAME, KEY, Role::Admin),
            ("ci-runner", "run-key-0123456789abcdef", Role::Runner),
        ]);
    })
    .await;
    let first_line = std::fs::read_to_string(sample_dir().join("records.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let records = format!("{first_line}\n{{\"id\": \n");
    let bad_line = raw_tar_gz(&[RawEntry::file("records.jsonl", records.as_bytes())]);
    let error = error_of(upload(&app, "bad", GZIP, bad_line).await, 422).await;
    assert_eq!(
        error["error"]["message"],
        "the dataset archive has 4 problem(s); nothing was imported"
    );
    let fields: Vec<&str> = error["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    // Line 1 names images the archive lacks; line 2 is not JSON.
    assert!(fields.contains(&"records.jsonl:1"), "{error:#}");
    assert!(fields.contains(&"records.jsonl:2"), "{error:#}");

    let nested = raw_tar_gz(&[RawEntry::file("sample/records.jsonl", b"{}\n")]);
    let error = error_of(upload(&app, "nested", GZIP, nested).await, 422).await;
    assert_eq!(
        error["error"]["details"][0]["field"],
        "sample/records.jsonl"
    );
    assert!(
        error["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at the archive's root"),
        "{error:#}"
    );

    let error = error_of(
        upload(&app, "sample", "application/json", Vec::new()).await,
        422,
    )
    .await;
    assert_eq!(error["error"]["details"][0]["field"], "Content-Type");
    let missing_name = app
        .client
        .post(app.url("/api/v1/datasets"))
        .header("X-API-Key", KEY)
        .header("Content-Type", GZIP)
        .body(b"x".to_vec())
        .send()
        .await
        .unwrap();
    let error = error_of(missing_name, 422).await;
    assert_eq!(error["error"]["details"][0]["field"], "name");
    let error = error_of(upload(&app, "bad%20name", GZIP, b"x".to_vec()).await, 422).await;
    assert_eq!(error["error"]["details"][0]["field"], "name");
    // The label sets' pre-fill datasets keep their names to themselves.
    let error = error_of(
        upload(&app, "labelset.mine", GZIP, b"x".to_vec()).await,
        422,
    )
    .await;
    assert_eq!(error["error"]["details"][0]["field"], "name");
    assert!(
        error["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("reserved"),
        "{error:#}"
    );

    // The sample's 2 MB is over this server's 200 kB archive limit.
    let error = error_of(
        upload(&app, "big", GZIP, tar_gz_of(&sample_dir())).await,
        413,
    )
    .await;
    assert_eq!(error["error"]["code"], "payload_too_large");

    let refused = app
        .client
        .post(app.url("/api/v1/datasets?name=sample"))
        .header("X-API-Key", "run-key-0123456789abcdef")
        .header("Content-Type", GZIP)
        .body(b"x".to_vec())
        .send()
        .await
        .unwrap();
    error_of(refused, 403).await;

    assert!(
        files_of(data.path()).is_empty(),
        "{:?}",
        files_of(data.path())
    );
    assert!(app.store.dataset_names().await.unwrap().is_empty());
}
