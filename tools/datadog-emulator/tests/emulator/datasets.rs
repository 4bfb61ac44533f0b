//! Datasets: create-or-get, find by name, records paged with cursors, versions as
//! ddtrace makes them, tag filters, CSV upload, delete, and the public API's forms.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

fn five_records() -> Vec<Value> {
    (0..5)
        .map(|i| {
            let parity = if i % 2 == 0 {
                "parity:even"
            } else {
                "parity:odd"
            };
            record(&format!("r{i}"), &format!("q{i}"), &[parity])
        })
        .collect()
}

/// Every record of a listing, following `meta.after`; also the number of pages.
async fn all_records(client: &Client, path: &str) -> (Vec<Value>, usize) {
    let mut records = Vec::new();
    let mut pages = 0;
    let mut url = path.to_string();
    loop {
        let reply = client.get(&url).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.body);
        pages += 1;
        records.extend(reply.body["data"].as_array().unwrap().iter().cloned());
        let after = reply.body["meta"]["after"].as_str().unwrap().to_string();
        if after.is_empty() {
            return (records, pages);
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        url = format!("{path}{separator}page[cursor]={after}");
    }
}

#[tokio::test]
async fn records_come_back_page_by_page() {
    let client = Client::start().await;
    let project = client.project("p").await;
    let dataset = client.dataset(&project, "d", five_records()).await;
    let path = format!("/api/v2/llm-obs/v1/{project}/datasets/{dataset}/records");
    let (records, pages) = all_records(&client, &path).await;
    assert_eq!(pages, 3, "five records, two per page");
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["r0", "r1", "r2", "r3", "r4"],
        "insertion order, client ids kept"
    );
    let first = &records[0];
    assert_eq!(first["type"], "records");
    let attributes = &first["attributes"];
    assert_eq!(attributes["input"], json!({"question": "q0"}));
    assert_eq!(attributes["expected_output"], "answer to q0");
    assert_eq!(attributes["metadata"], json!({"source": "test"}));
    assert_eq!(attributes["tags"], json!(["parity:even"]));
    assert_eq!(attributes["canonical_id"].as_str().unwrap().len(), 36);
    assert!(
        attributes.get("version").is_none(),
        "listings carry no version"
    );

    let one_page = client.get(&format!("{path}?page[limit]=5")).await;
    assert_eq!(one_page.body["data"].as_array().unwrap().len(), 5);
    assert_eq!(one_page.body["meta"]["after"], "");
    let bad_cursor = client.get(&format!("{path}?page[cursor]=nonsense")).await;
    assert_eq!(bad_cursor.status, 400);
    let too_many = client.get(&format!("{path}?page[limit]=5001")).await;
    assert_eq!(too_many.status, 400);
    let (evens, _) = all_records(&client, &format!("{path}?filter[tags]=parity:even")).await;
    assert_eq!(evens.len(), 3);
}

#[tokio::test]
async fn datasets_are_created_once_and_found_by_name() {
    let client = Client::start().await;
    let project = client.project("p").await;
    let first = client.dataset(&project, "d", vec![]).await;
    let again = client.dataset(&project, "d", vec![]).await;
    assert_eq!(first, again, "create-or-get by name");
    let found = client
        .get(&format!(
            "/api/v2/llm-obs/v1/{project}/datasets?filter[name]=d"
        ))
        .await;
    let data = &found.body["data"][0];
    assert_eq!(data["id"], first.as_str());
    assert_eq!(data["attributes"]["current_version"], 0);
    assert_eq!(data["attributes"]["description"], "d");
    let missing = client
        .get(&format!(
            "/api/v2/llm-obs/v1/{project}/datasets?filter[name]=nope"
        ))
        .await;
    assert_eq!(missing.body["data"], json!([]));

    let deleted = client
        .post(
            "/api/unstable/llm-obs/v1/datasets/delete",
            document("datasets", json!({"type": "soft", "dataset_ids": [first]})),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert!(deleted.body["data"][0]["attributes"]["deleted_at"].is_string());
    let gone = client
        .get(&format!(
            "/api/v2/llm-obs/v1/{project}/datasets?filter[name]=d"
        ))
        .await;
    assert_eq!(gone.body["data"], json!([]));
}

#[tokio::test]
async fn versions_follow_ddtrace_pushes() {
    let client = Client::start().await;
    let project = client.project("p").await;
    let dataset = client
        .dataset(&project, "d", five_records()[..2].to_vec())
        .await;
    let base = format!("/api/v2/llm-obs/v1/{project}/datasets/{dataset}");
    // A later batch of the same upload: no new version.
    let batch = client
        .post(
            &format!("{base}/batch_update"),
            batch_update(&dataset, five_records()[2..].to_vec(), false),
        )
        .await;
    assert_eq!(batch.status, 200);
    assert_eq!(batch.body["data"][0]["attributes"]["version"], 1);
    assert_eq!(batch.body["data"].as_array().unwrap().len(), 3);
    // The same records again, deduplicated: nothing inserted, no data.
    let again = client
        .post(
            &format!("{base}/batch_update"),
            batch_update(&dataset, five_records(), true),
        )
        .await;
    assert_eq!(again.body["data"], json!([]));
    // A tag change and a delete make version 2.
    let change = json!({"data": {"type": "datasets", "id": dataset, "attributes": {
        "insert_records": [], "delete_records": ["r4"], "deduplicate": true,
        "create_new_version": true,
        "update_records": [{"id": "r0", "input": null, "expected_output": null,
                            "metadata": null, "tag_operations": {"add": ["reviewed:yes"]}}]}}});
    let changed = client.post(&format!("{base}/batch_update"), change).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["data"][0]["attributes"]["version"], 2);
    assert_eq!(
        changed.body["data"][0]["attributes"]["tags"],
        json!(["parity:even", "reviewed:yes"])
    );
    let (current, _) = all_records(&client, &format!("{base}/records")).await;
    assert_eq!(current.len(), 4);
    let (version_1, _) = all_records(&client, &format!("{base}/records?filter[version]=1")).await;
    assert_eq!(version_1.len(), 5);
    assert_eq!(version_1[0]["attributes"]["tags"], json!(["parity:even"]));
    let no_version = client
        .get(&format!("{base}/records?filter[version]=7"))
        .await;
    assert_eq!(no_version.status, 400);
    let versions = client.get(&format!("{base}/versions")).await;
    let numbers: Vec<i64> = versions.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["attributes"]["version_number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [0, 1, 2]);
    // An id that exists, without deduplication, is refused; nothing changes.
    let mut duplicate = batch_update(&dataset, vec![record("r1", "other", &[])], true);
    duplicate["data"]["attributes"]["deduplicate"] = json!(false);
    let refused = client
        .post(&format!("{base}/batch_update"), duplicate)
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.detail().contains("record r1 already exists"),
        "{}",
        refused.detail()
    );
    let listed = client
        .get(&format!(
            "/api/v2/llm-obs/v1/{project}/datasets?filter[id]={dataset}"
        ))
        .await;
    assert_eq!(listed.body["data"][0]["attributes"]["current_version"], 2);
}

#[tokio::test]
async fn a_csv_upload_adds_a_version() {
    let client = Client::start().await;
    let project = client.project("p").await;
    let dataset = client.dataset(&project, "d", vec![]).await;
    let csv = "input,expected_output,metadata,id\r\n\
               \"{\"\"q\"\": \"\"a, b\"\"}\",\"\"\"x\"\"\",\"{\"\"k\"\": 1}\",c1\r\n\
               \"{\"\"q\"\": \"\"c\"\"}\",\"\"\"y\"\"\",\"{}\",c2\r\n";
    let body = format!(
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"up.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--BOUNDARY--\r\n"
    );
    let reply = client
        .send(
            client
                .keyed(
                    Method::POST,
                    &format!("/api/unstable/llm-obs/v1/datasets/{dataset}/records/upload?deduplicate=True"),
                )
                .header("Content-Type", "multipart/form-data; boundary=BOUNDARY")
                .body(body),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["type"], "dataset_version");
    assert_eq!(reply.body["data"]["attributes"]["version_number"], 1);
    let (records, _) = all_records(
        &client,
        &format!("/api/v2/llm-obs/v1/{project}/datasets/{dataset}/records"),
    )
    .await;
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["id"], "c1");
    assert_eq!(records[0]["attributes"]["input"], json!({"q": "a, b"}));
    assert_eq!(records[0]["attributes"]["expected_output"], "x");
    assert_eq!(records[0]["attributes"]["metadata"], json!({"k": 1}));
}

#[tokio::test]
async fn the_public_api_appends_updates_and_deletes_records() {
    let client = Client::start().await;
    let project = client.project("p").await;
    let dataset = client.dataset(&project, "d", vec![]).await;
    let path = format!("/api/v2/llm-obs/v1/{project}/datasets/{dataset}/records");
    let appended = client
        .post(
            &path,
            document(
                "records",
                json!({"records": [{"input": "hello", "expected_output": "hi", "metadata": {}}]}),
            ),
        )
        .await;
    assert_eq!(appended.status, 201, "{}", appended.body);
    let flat = &appended.body["data"][0]["records"][0];
    assert_eq!(flat["input"], "hello");
    assert_eq!(flat["dataset_id"], dataset.as_str());
    let id = flat["id"].as_str().unwrap().to_string();
    let updated = client
        .patch(
            &path,
            document(
                "records",
                json!({"records": [{"id": id, "expected_output": "hey"}]}),
            ),
        )
        .await;
    assert_eq!(
        updated.body["data"][0]["records"][0]["expected_output"],
        "hey"
    );
    let deleted = client
        .post(
            &format!("{path}/delete"),
            document("records", json!({"record_ids": [id]})),
        )
        .await;
    assert_eq!(deleted.status, 204);
    let (left, _) = all_records(&client, &path).await;
    assert!(left.is_empty());
    let versions = client
        .get(&format!(
            "/api/v2/llm-obs/v1/{project}/datasets/{dataset}/versions"
        ))
        .await;
    assert_eq!(versions.body["data"].as_array().unwrap().len(), 4);
}
