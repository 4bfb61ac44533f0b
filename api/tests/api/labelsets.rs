//! Label sets over HTTP: scans uploaded and grouped into records, records handed out
//! under leases, the live check, labels with overrides and their audit trail,
//! disagreements, roles, and publishing accepted records as a dataset version.

use std::path::Path;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tally_api::ApiKeys;
use tally_api::roles::Role;

use crate::archives::{RawEntry, raw_tar_gz, tar_gz_of};
use crate::helpers::{
    KEY, KEY_NAME, SAMPLE, TestApp, data_dir_with_sample, error_of, eventually, spawn_app_with,
};

const VIEWER_KEY: &str = "viewer-key-0123456789abcdef";
const ANNA_KEY: &str = "anna-key-0123456789abcdef";
const BEN_KEY: &str = "ben-key-0123456789abcdef0";
const CARL_KEY: &str = "carl-key-0123456789abcdef";

async fn app(data: &Path, lease: Duration) -> TestApp {
    let data = data.to_path_buf();
    spawn_app_with(move |settings| {
        settings.data_dir = data;
        settings.label_lease = lease;
        settings.upload.archive_bytes = 64 * 1024 * 1024;
        settings.api_keys = ApiKeys::with_roles(&[
            (KEY_NAME, KEY, Role::Admin),
            ("dashboard", VIEWER_KEY, Role::Viewer),
            ("anna", ANNA_KEY, Role::Runner),
            ("ben", BEN_KEY, Role::Runner),
            ("carl", CARL_KEY, Role::Runner),
        ])
    })
    .await
}

fn send(app: &TestApp, method: Method, path: &str, key: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("X-API-Key", key.to_string())
}

async fn create(app: &TestApp, name: &str, archive: Vec<u8>) -> reqwest::Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/labelsets?name={name}"),
        ANNA_KEY,
    )
    .header("Content-Type", "application/gzip")
    .body(archive)
    .send()
    .await
    .unwrap()
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn next(app: &TestApp, set: &str, key: &str, second: bool) -> Option<String> {
    let query = if second { "?second=true" } else { "" };
    let response = send(
        app,
        Method::POST,
        &format!("/api/v1/labelsets/{set}/next{query}"),
        key,
    )
    .send()
    .await
    .unwrap();
    if response.status() == 204 {
        return None;
    }
    let body = json_of(response, 200).await;
    Some(body["record_id"].as_str().unwrap().to_string())
}

async fn label(
    app: &TestApp,
    set: &str,
    record: &str,
    key: &str,
    body: Value,
) -> reqwest::Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/labelsets/{set}/records/{record}/label"),
        key,
    )
    .json(&body)
    .send()
    .await
    .unwrap()
}

/// The sample's expected reports of `record`.
fn sample_reports(record: &str) -> Value {
    let text = std::fs::read_to_string(
        crate::helpers::datasets_dir()
            .join(SAMPLE)
            .join("records.jsonl"),
    )
    .unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|r| r["id"] == record)
        .unwrap()["expected_output"]
        .clone()
}

/// One report that passes every rule.
fn consistent_reports() -> Value {
    json!([{
        "form_info": {"form_type": "Constituency", "province": "p", "district": "d",
                      "polling_station_number": 1},
        "voter_statistics": {"eligible_voters": 200, "voters_present": 125},
        "ballot_statistics": {"ballots_allocated": 200, "ballots_used": 125,
            "good_ballots": 120, "bad_ballots": 3, "no_vote_ballots": 2,
            "ballots_remaining": 75},
        "vote_results": [
            {"number": 1, "vote_count": 100, "vote_count_text": "หนึ่งร้อย"},
            {"number": 2, "vote_count": 20, "vote_count_text": "ยี่สิบ"}
        ]
    }])
}

#[tokio::test]
async fn scans_become_records_by_folder_or_file_name_and_a_bad_archive_writes_nothing() {
    let data = data_dir_with_sample();
    let app = app(data.path(), Duration::from_secs(600)).await;
    let images = data.path().join(SAMPLE).join("images");

    // By folder: one record per unit folder, its pages in name order.
    let set = json_of(create(&app, "scans", tar_gz_of(&images)).await, 201).await;
    assert_eq!(set["name"], "scans");
    assert_eq!(set["created_by"], "anna");
    assert_eq!(set["records"].as_array().unwrap().len(), 10);
    assert_eq!(set["records"][0]["id"], "unit-01");
    assert_eq!(set["records"][0]["pages"], 3);
    assert_eq!(set["records"][0]["state"], "open");
    let taken = error_of(create(&app, "scans", tar_gz_of(&images)).await, 409).await;
    assert_eq!(taken["error"]["code"], "conflict");

    // By file name: `unit-a_1.png`, `unit-a_2.png` are one record.
    let loose = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("unit-01/page-1.png", "unit-a_1.png"),
        ("unit-01/page-2.png", "unit-a_2.png"),
        ("unit-02/page-1.png", "unit-b-1.png"),
    ] {
        std::fs::copy(images.join(from), loose.path().join(to)).unwrap();
    }
    let set = json_of(create(&app, "loose", tar_gz_of(loose.path())).await, 201).await;
    let records: Vec<(String, u64)> = set["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["pages"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        records,
        [("unit-a".to_string(), 2), ("unit-b".to_string(), 1)]
    );

    // Pages are served.
    let page = send(
        &app,
        Method::GET,
        "/api/v1/labelsets/loose/records/unit-a/pages/2",
        VIEWER_KEY,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "image/png");
    assert_eq!(
        page.bytes().await.unwrap().as_ref(),
        std::fs::read(images.join("unit-01/page-2.png")).unwrap()
    );

    // A file that is no image is named, and nothing is written.
    let bad = raw_tar_gz(&[
        RawEntry::file(
            "unit-c/page-1.png",
            &std::fs::read(images.join("unit-01/page-1.png")).unwrap(),
        ),
        RawEntry::file("unit-c/notes.txt", b"hello"),
    ]);
    let refused = error_of(create(&app, "bad", bad).await, 422).await;
    assert_eq!(
        refused["error"]["message"],
        "the label set archive has 1 problem(s); no label set was created"
    );
    assert_eq!(refused["error"]["details"][0]["field"], "unit-c/notes.txt");
    let no_images = raw_tar_gz(&[RawEntry::file("readme.txt", b"x")]);
    error_of(create(&app, "bad", no_images).await, 422).await;
    error_of(
        send(&app, Method::GET, "/api/v1/labelsets/bad", VIEWER_KEY)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert!(!data.path().join("labelsets/bad").exists());
    let staged: Vec<_> = std::fs::read_dir(data.path().join(".staging"))
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(staged.is_empty(), "staging left {staged:?}");

    let list = json_of(
        send(&app, Method::GET, "/api/v1/labelsets", VIEWER_KEY)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let names: Vec<&str> = list["labelsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["loose", "scans"]);
    assert_eq!(list["labelsets"][1]["records"], 10);
    assert_eq!(list["labelsets"][1]["prefill"], Value::Null);
    app.cleanup().await;
}

#[tokio::test]
async fn concurrent_callers_never_share_a_record_and_only_the_holder_labels_it() {
    let data = data_dir_with_sample();
    let app = app(data.path(), Duration::from_secs(600)).await;
    let images = data.path().join(SAMPLE).join("images");
    json_of(create(&app, "scans", tar_gz_of(&images)).await, 201).await;

    let (anna, ben) = tokio::join!(
        next(&app, "scans", ANNA_KEY, false),
        next(&app, "scans", BEN_KEY, false)
    );
    let (anna, ben) = (anna.unwrap(), ben.unwrap());
    assert_ne!(anna, ben);
    // The holder's next returns the record it holds.
    assert_eq!(next(&app, "scans", ANNA_KEY, false).await.unwrap(), anna);
    let detail = json_of(
        send(&app, Method::GET, "/api/v1/labelsets/scans", VIEWER_KEY)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(detail["in_progress"], 2);

    // Another's live lease: 409 naming the holder.
    let held = error_of(
        label(&app, "scans", &anna, BEN_KEY, json!({"decision": "skip"})).await,
        409,
    )
    .await;
    assert!(
        held["error"]["message"].as_str().unwrap().contains("anna"),
        "{held}"
    );
    // A viewer cannot label.
    error_of(
        label(
            &app,
            "scans",
            &anna,
            VIEWER_KEY,
            json!({"decision": "skip"}),
        )
        .await,
        403,
    )
    .await;

    // Many callers at once still get distinct records.
    let keys = [CARL_KEY, KEY];
    let got = futures::future::join_all(keys.iter().map(|k| next(&app, "scans", k, false))).await;
    let mut all: Vec<String> = got.into_iter().map(Option::unwrap).collect();
    all.extend([anna.clone(), ben.clone()]);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4);
    app.cleanup().await;
}

#[tokio::test]
async fn an_expired_lease_hands_the_record_out_again() {
    let data = data_dir_with_sample();
    let app = app(data.path(), Duration::from_secs(1)).await;
    let loose = tempfile::tempdir().unwrap();
    let images = data.path().join(SAMPLE).join("images");
    std::fs::copy(
        images.join("unit-01/page-1.png"),
        loose.path().join("only_1.png"),
    )
    .unwrap();
    json_of(create(&app, "one", tar_gz_of(loose.path())).await, 201).await;
    assert_eq!(next(&app, "one", ANNA_KEY, false).await.unwrap(), "only");
    // Ben gets it once Anna's lease has run out (Anna never renewed it).
    let record = eventually(10, || async { next(&app, "one", BEN_KEY, false).await }).await;
    assert_eq!(record, "only");
    app.cleanup().await;
}

#[tokio::test]
async fn the_check_names_the_failing_rule_and_an_accept_needs_an_override_reason() {
    let data = data_dir_with_sample();
    let app = app(data.path(), Duration::from_secs(600)).await;
    let images = data.path().join(SAMPLE).join("images");
    json_of(create(&app, "scans", tar_gz_of(&images)).await, 201).await;
    let check = |reports: Value| {
        send(
            &app,
            Method::POST,
            "/api/v1/labelsets/scans/records/unit-01/check",
            VIEWER_KEY,
        )
        .json(&json!({"reports": reports}))
        .send()
    };

    let good = json_of(check(consistent_reports()).await.unwrap(), 200).await;
    assert_eq!(good["failures"], json!([]));
    let words = good["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["field"] == "reports[0].vote_results[0].vote_count")
        .unwrap();
    assert_eq!(words["value"], 100);
    assert_eq!(words["thai_words"], "หนึ่งร้อย");

    let mut changed = consistent_reports();
    changed[0]["ballot_statistics"]["bad_ballots"] = json!(4);
    let bad = json_of(check(changed.clone()).await.unwrap(), 200).await;
    assert_eq!(bad["failures"].as_array().unwrap().len(), 1, "{bad}");
    assert_eq!(bad["failures"][0]["rule"], "consistency_ballot_split");
    assert!(
        bad["failures"][0]["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("reports[0].ballot_statistics.bad_ballots"))
    );

    let mut malformed = consistent_reports();
    malformed[0]["ballot_statistics"]["good_ballots"] = json!("many");
    let refused = error_of(check(malformed).await.unwrap(), 422).await;
    assert_eq!(
        refused["error"]["details"][0]["field"],
        "reports[0].ballot_statistics.good_ballots"
    );

    // Accepting failing reports: refused without a reason, kept with one.
    let refused = error_of(
        label(
            &app,
            "scans",
            "unit-01",
            ANNA_KEY,
            json!({"decision": "accept", "reports": changed}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(refused["error"]["code"], "rule_override_required");
    assert_eq!(refused["error"]["field"], "override_reason");
    assert_eq!(refused["error"]["details"][0]["field"], "override_reason");
    assert_eq!(
        refused["error"]["failures"][0]["rule"],
        "consistency_ballot_split"
    );
    let view = json_of(
        label(
            &app,
            "scans",
            "unit-01",
            ANNA_KEY,
            json!({"decision": "accept", "reports": changed, "override_reason": "the form says so", "note": "smudged"}),
        )
        .await,
        200,
    )
    .await;
    let audit = &view["labels"][0];
    assert_eq!(audit["labeller"], "anna");
    assert_eq!(audit["decision"], "accept");
    assert_eq!(audit["override_reason"], "the form says so");
    assert_eq!(audit["from_draft"], false);
    assert_eq!(audit["draft_changed"], true);
    assert_eq!(view["lease"], Value::Null);
    assert_eq!(
        view["check"]["failures"][0]["rule"],
        "consistency_ballot_split"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn disagreements_are_listed_and_left_out_of_a_publish_only_an_admin_may_make() {
    let data = data_dir_with_sample();
    let app = app(data.path(), Duration::from_secs(600)).await;
    let images = data.path().join(SAMPLE).join("images");
    json_of(create(&app, "scans", tar_gz_of(&images)).await, 201).await;
    let reason = "as printed on the form";
    let accept = |reports: Value| json!({"decision": "accept", "reports": reports, "override_reason": reason});

    // Anna labels unit-01 and unit-02; Ben labels unit-02 a second time, differently.
    json_of(
        label(
            &app,
            "scans",
            "unit-01",
            ANNA_KEY,
            accept(sample_reports("unit-01")),
        )
        .await,
        200,
    )
    .await;
    json_of(
        label(
            &app,
            "scans",
            "unit-02",
            ANNA_KEY,
            accept(sample_reports("unit-02")),
        )
        .await,
        200,
    )
    .await;
    json_of(
        label(
            &app,
            "scans",
            "unit-03",
            ANNA_KEY,
            json!({"decision": "flag", "note": "torn"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(next(&app, "scans", BEN_KEY, true).await.unwrap(), "unit-01");
    json_of(
        label(
            &app,
            "scans",
            "unit-01",
            BEN_KEY,
            accept(sample_reports("unit-01")),
        )
        .await,
        200,
    )
    .await;
    let mut other = sample_reports("unit-02");
    other[0]["vote_results"][0]["vote_count"] =
        json!(other[0]["vote_results"][0]["vote_count"].as_u64().unwrap() + 1);
    json_of(
        label(&app, "scans", "unit-02", BEN_KEY, accept(other)).await,
        200,
    )
    .await;

    let detail = json_of(
        send(&app, Method::GET, "/api/v1/labelsets/scans", VIEWER_KEY)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        detail["disagreements"].as_array().unwrap().len(),
        1,
        "{detail}"
    );
    assert_eq!(detail["disagreements"][0]["record_id"], "unit-02");
    assert_eq!(
        detail["disagreements"][0]["labellers"],
        json!(["anna", "ben"])
    );
    // Named as the live check names fields, so the workbench can go to them.
    assert_eq!(
        detail["disagreements"][0]["fields"],
        json!(["reports[0].vote_results[0].vote_count"])
    );
    assert_eq!(detail["records"][1]["state"], "disagreement");
    assert_eq!(detail["accepted"], 1);
    assert_eq!(detail["flagged"], 1);
    let anna = detail["labellers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["labeller"] == "anna")
        .unwrap();
    assert_eq!(
        (anna["accepted"].as_u64(), anna["flagged"].as_u64()),
        (Some(2), Some(1))
    );

    // Publishing: a runner may not; an admin publishes the agreed, accepted record.
    let publish = |key: &'static str| {
        send(&app, Method::POST, "/api/v1/labelsets/scans/publish", key)
            .json(&json!({"dataset": "checked"}))
            .send()
    };
    error_of(publish(ANNA_KEY).await.unwrap(), 403).await;
    let reserved = send(&app, Method::POST, "/api/v1/labelsets/scans/publish", KEY)
        .json(&json!({"dataset": "labelset.scans"}))
        .send()
        .await
        .unwrap();
    let error = error_of(reserved, 422).await;
    assert_eq!(
        error["error"]["details"][0]["field"], "dataset",
        "{error:#}"
    );
    let outcome = json_of(publish(KEY).await.unwrap(), 201).await;
    assert_eq!(outcome["dataset"], "checked");
    assert_eq!(outcome["version"], 1);
    assert_eq!(outcome["records"], 1);
    let left: Vec<(&str, &str)> = outcome["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["record_id"].as_str().unwrap(),
                l["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        left.contains(&("unit-02", "labellers disagree")),
        "{left:?}"
    );
    assert!(left.contains(&("unit-03", "flagged")), "{left:?}");
    // Same content, same version.
    assert_eq!(
        json_of(publish(KEY).await.unwrap(), 201).await["version"],
        1
    );
    let record = json_of(
        app.get("/api/v1/datasets/checked/versions/1/records/unit-01")
            .await,
        200,
    )
    .await;
    assert_eq!(record["expected_output"], sample_reports("unit-01"));
    assert_eq!(record["metadata"]["labelled_by"], json!(["anna", "ben"]));
    assert_eq!(record["metadata"]["labelset"], "scans");
    assert_eq!(record["metadata"]["override_reason"], reason);
    assert_eq!(record["metadata"]["draft_changed"], true);
    let page = app
        .get("/api/v1/datasets/checked/versions/1/records/unit-01/pages/1")
        .await;
    assert_eq!(page.status(), 200);
    let detail = json_of(app.get("/api/v1/labelsets/scans").await, 200).await;
    assert_eq!(detail["published"][0]["dataset"], "checked");
    assert_eq!(detail["published"][0]["by"], KEY_NAME);
    app.cleanup().await;
}
