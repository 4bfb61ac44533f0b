//! Batches over HTTP: created inline, answered exactly as the online route answers,
//! revealed as their life goes on, cancelled, deleted, listed; what the service
//! refuses is refused.

use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::*;

const MODEL: &str = "gemini-2.5-flash";

/// A generateContent body showing `record`'s pages (so the answer is its ground truth).
fn request_for(root: &Path, record: &tally_core::dataset::DatasetRecord) -> Value {
    let mut parts = Vec::new();
    for path in &record.input.image_paths {
        let bytes = std::fs::read(dataset_folder(root).join(path)).unwrap();
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        parts.push(json!({"inlineData": {"mimeType": "image/png", "data": data}}));
    }
    parts.push(json!({"text": "Extract the reports."}));
    json!({"contents": [{"role": "user", "parts": parts}],
           "generationConfig": {"temperature": 0, "seed": 3, "responseMimeType": "application/json"}})
}

fn batch_body(name: &str, requests: Vec<Value>) -> Value {
    let requests: Vec<Value> = requests
        .into_iter()
        .enumerate()
        .map(|(i, request)| json!({"request": request, "metadata": {"key": format!("k{i}")}}))
        .collect();
    json!({"batch": {"display_name": name, "input_config": {"requests": {"requests": requests}}}})
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(emulator: &gemini_emulator::RunningEmulator) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: emulator.base_url(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-goog-api-key", API_KEY);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self, body: &Value) -> (u16, Value) {
        let path = format!("/v1beta/models/{MODEL}:batchGenerateContent");
        self.send(reqwest::Method::POST, &path, Some(body)).await
    }

    async fn get(&self, name: &str) -> Value {
        let (status, body) = self
            .send(reqwest::Method::GET, &format!("/v1beta/{name}"), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

async fn setup(
    records: u32,
    life: Value,
) -> (
    tempfile::TempDir,
    gemini_emulator::RunningEmulator,
    Vec<Value>,
) {
    let dir = tempfile::tempdir().unwrap();
    let written = write_dataset(dir.path(), records).unwrap();
    let mut config = test_config();
    config.datasets = Some(dir.path().to_path_buf());
    let emulator = start(config).await;
    Inspect::new(&emulator)
        .patch_settings(json!({"batch": life}))
        .await;
    let requests = written.iter().map(|r| request_for(dir.path(), r)).collect();
    (dir, emulator, requests)
}

#[tokio::test]
async fn a_batch_answers_each_request_as_the_online_route_does_keyed_by_its_metadata() {
    let (_dir, emulator, requests) = setup(3, json!({"pending_ms": 0, "running_ms": 0})).await;
    let api = Api::new(&emulator);
    let (status, created) = api
        .create(&batch_body("run-1/part-0", requests.clone()))
        .await;
    assert_eq!(status, 200, "{created}");
    let name = created["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("batches/"), "{name}");
    assert_eq!(created["metadata"]["displayName"], "run-1/part-0");
    assert_eq!(created["metadata"]["model"], format!("models/{MODEL}"));

    let done = api.get(&name).await;
    assert_eq!(done["done"], true);
    assert_eq!(done["metadata"]["state"], "BATCH_STATE_SUCCEEDED");
    assert_eq!(
        done["metadata"]["batchStats"]["successfulRequestCount"],
        "3"
    );
    let items = done["response"]["inlinedResponses"]["inlinedResponses"]
        .as_array()
        .unwrap();
    assert_eq!(items.len(), 3);
    for (i, (item, request)) in items.iter().zip(&requests).enumerate() {
        assert_eq!(item["metadata"]["key"], format!("k{i}"));
        let path = format!("/v1beta/models/{MODEL}:generateContent");
        let (status, online) = api.send(reqwest::Method::POST, &path, Some(request)).await;
        assert_eq!(status, 200);
        assert_eq!(item["response"], online, "request {i}");
    }
    assert_eq!(
        done["metadata"]["output"]["inlinedResponses"]["inlinedResponses"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn a_request_the_online_route_refuses_fails_alone_in_its_batch() {
    let (_dir, emulator, mut requests) = setup(2, json!({"pending_ms": 0, "running_ms": 0})).await;
    requests[1]["generationConfig"]["temperature"] = json!(5.0);
    let api = Api::new(&emulator);
    let (_, created) = api.create(&batch_body("mixed", requests)).await;
    let done = api.get(created["name"].as_str().unwrap()).await;
    let items = &done["response"]["inlinedResponses"]["inlinedResponses"];
    assert!(items[0].get("response").is_some());
    assert_eq!(items[1]["error"]["code"], 3, "{}", items[1]);
    assert_eq!(items[1]["metadata"]["key"], "k1");
    assert_eq!(done["metadata"]["batchStats"]["failedRequestCount"], "1");
}

#[tokio::test]
async fn a_live_batch_is_pending_until_cancelled_and_a_deleted_one_is_gone() {
    let (_dir, emulator, requests) =
        setup(1, json!({"pending_ms": 3_600_000, "state_names": "job"})).await;
    let api = Api::new(&emulator);
    let (_, created) = api.create(&batch_body("slow", requests)).await;
    let name = created["name"].as_str().unwrap().to_string();
    assert_eq!(created["metadata"]["state"], "JOB_STATE_PENDING");
    assert!(created.get("done").is_none());
    assert_eq!(
        created["metadata"]["batchStats"]["pendingRequestCount"],
        "1"
    );

    let (status, body) = api
        .send(
            reqwest::Method::POST,
            &format!("/v1beta/{name}:cancel"),
            Some(&json!({})),
        )
        .await;
    assert_eq!((status, body), (200, json!({})));
    let cancelled = api.get(&name).await;
    assert_eq!(cancelled["metadata"]["state"], "JOB_STATE_CANCELLED");
    assert_eq!(cancelled["done"], true);
    assert!(cancelled.get("response").is_none());
    let (status, again) = api
        .send(
            reqwest::Method::POST,
            &format!("/v1beta/{name}:cancel"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(status, 400, "{again}");
    assert_eq!(again["error"]["status"], "FAILED_PRECONDITION");

    let (status, _) = api
        .send(reqwest::Method::DELETE, &format!("/v1beta/{name}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, missing) = api
        .send(reqwest::Method::GET, &format!("/v1beta/{name}"), None)
        .await;
    assert_eq!(status, 404, "{missing}");
}

#[tokio::test]
async fn a_batch_not_finished_in_time_expires_without_results() {
    let (_dir, emulator, requests) =
        setup(1, json!({"pending_ms": 3_600_000, "expire_ms": 1})).await;
    let api = Api::new(&emulator);
    let (_, created) = api.create(&batch_body("late", requests)).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let expired = api.get(created["name"].as_str().unwrap()).await;
    assert_eq!(expired["metadata"]["state"], "BATCH_STATE_EXPIRED");
    assert_eq!(expired["done"], true);
    assert!(expired.get("response").is_none());
}

#[tokio::test]
async fn batches_are_listed_newest_first_a_page_at_a_time() {
    let (_dir, emulator, requests) = setup(1, json!({"pending_ms": 0, "running_ms": 0})).await;
    let api = Api::new(&emulator);
    for name in ["a", "b", "c"] {
        api.create(&batch_body(name, requests.clone())).await;
    }
    let (status, first) = api
        .send(reqwest::Method::GET, "/v1beta/batches?pageSize=2", None)
        .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = first["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c", "b"]);
    assert!(
        first["operations"][0].get("response").is_none(),
        "a listing leaves the answers out"
    );
    let token = first["nextPageToken"].as_str().unwrap();
    let (_, second) = api
        .send(
            reqwest::Method::GET,
            &format!("/v1beta/batches?pageSize=2&pageToken={token}"),
            None,
        )
        .await;
    assert_eq!(second["operations"][0]["metadata"]["displayName"], "a");
    assert!(second.get("nextPageToken").is_none());
}

#[tokio::test]
async fn what_the_service_refuses_is_refused_with_its_error() {
    let (_dir, emulator, requests) = setup(1, json!({})).await;
    let api = Api::new(&emulator);
    let good = batch_body("ok", requests.clone());

    let mut unknown = good.clone();
    unknown["batch"]["input_config"]["requests"]["requests"][0]["request"]["generationConfig"]["temprature"] =
        json!(0);
    let (status, body) = api.create(&unknown).await;
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("Unknown name \"temprature\" at 'batch.input_config.requests.requests[0].request.generation_config'"), "{message}");

    let mut nameless = good.clone();
    nameless["batch"]
        .as_object_mut()
        .unwrap()
        .remove("display_name");
    let (status, body) = api.create(&nameless).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["details"][0]["fieldViolations"][0]["field"],
        "batch.display_name"
    );

    let empty =
        json!({"batch": {"displayName": "e", "inputConfig": {"requests": {"requests": []}}}});
    assert_eq!(api.create(&empty).await.0, 400);
    let both = json!({"batch": {"displayName": "e", "inputConfig": {"fileName": "files/x", "requests": good["batch"]["input_config"]["requests"]}}});
    assert_eq!(api.create(&both).await.0, 400);
    let file = json!({"batch": {"displayName": "f", "inputConfig": {"fileName": "files/none"}}});
    assert_eq!(api.create(&file).await.0, 404);

    let mut other_model = good.clone();
    other_model["batch"]["model"] = json!("models/gemini-2.5-pro");
    assert_eq!(api.create(&other_model).await.0, 400);

    let big = "A".repeat(21 * 1024 * 1024);
    let mut oversized = good.clone();
    oversized["batch"]["input_config"]["requests"]["requests"][0]["request"]["contents"][0]["parts"]
        [0]["inlineData"]["data"] = json!(big);
    let (status, body) = api.create(&oversized).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("exceeds the limit"),
        "{body}"
    );

    let response = reqwest::Client::new()
        .post(format!(
            "{}/v1beta/models/{MODEL}:batchGenerateContent",
            emulator.base_url()
        ))
        .header("x-goog-api-key", "wrong-key")
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["details"][0]["reason"], "API_KEY_INVALID");

    let path = "/v1beta/models/gemini-1.5-flash:batchGenerateContent";
    assert_eq!(
        api.send(reqwest::Method::POST, path, Some(&good)).await.0,
        404
    );
    assert_eq!(
        api.send(reqwest::Method::GET, "/v1beta/batches/nothing", None)
            .await
            .0,
        404
    );
    let (status, listed) = api
        .send(reqwest::Method::GET, "/v1beta/batches", None)
        .await;
    assert_eq!((status, listed), (200, json!({})), "nothing was created");
}

/// tally's batch client: request lines built as online calls build them, a batch
/// found again by its display name, answers read under their keys and priced at
/// half the online cost.
#[tokio::test]
async fn tallys_batch_client_reads_answers_by_key_at_half_the_online_cost() {
    use tally_gemini::batch::{BatchClient, BatchState};
    let dir = tempfile::tempdir().unwrap();
    let records = write_dataset(dir.path(), 3).unwrap();
    let mut config = test_config();
    config.datasets = Some(dir.path().to_path_buf());
    let emulator = start(config).await;
    Inspect::new(&emulator)
        .patch_settings(json!({"batch": {"pending_ms": 0, "running_ms": 0}}))
        .await;
    let mut gemini = tally_gemini::GeminiConfig::developer(tally_gemini::Secret::new(API_KEY));
    gemini.base_url = Some(emulator.base_url());
    let batches = BatchClient::new(&gemini)
        .unwrap()
        .expect("the Developer API has batches");
    let settings = settings(MODEL);
    let mut lines = Vec::new();
    for record in &records {
        let pages = pages(dir.path(), record);
        lines.push(
            BatchClient::line(record.id.clone(), &pages, &settings)
                .await
                .unwrap(),
        );
    }
    let created = batches
        .create(MODEL, "exp-1/part-0", &lines)
        .await
        .unwrap()
        .job;
    assert!(created.name.starts_with("batches/"));
    let found = batches
        .find("exp-1/part-0")
        .await
        .unwrap()
        .expect("found by its name");
    assert_eq!(found.name, created.name);
    assert!(batches.find("exp-1/part-9").await.unwrap().is_none());

    let done = batches.get(&created.name).await.unwrap();
    assert_eq!(done.state, BatchState::Succeeded);
    assert_eq!((done.requests, done.finished), (3, 3));
    let online = client(&emulator);
    for (record, (key, answer)) in records.iter().zip(&done.answers) {
        assert_eq!(key, &record.id);
        let batch = batches.extraction(MODEL, answer).unwrap();
        let direct = online
            .extract(&pages(dir.path(), record), &settings)
            .await
            .unwrap();
        assert_eq!(
            batch.reports, direct.reports,
            "{key}: the same answer as online"
        );
        let (half, full) = (
            batch.answer.cost_usd.unwrap(),
            direct.answer.cost_usd.unwrap(),
        );
        assert!(
            (half * 2.0 - full).abs() < 1e-12,
            "{key}: {half} is half of {full}"
        );
    }
    batches
        .cancel(&created.name)
        .await
        .expect_err("a finished batch cannot be cancelled");
}

/// The finalized `File` resource of `bytes` uploaded in chunks.
async fn upload(api: &Api, bytes: &[u8]) -> Value {
    crate::uploads::upload_in_chunks(&api.http, &api.base, bytes).await
}

fn jsonl(requests: &[Value]) -> Vec<u8> {
    let mut text = String::new();
    for (i, request) in requests.iter().enumerate() {
        text.push_str(&json!({"key": format!("k{i}"), "request": request}).to_string());
        text.push('\n');
    }
    text.into_bytes()
}

#[tokio::test]
async fn a_batch_from_an_uploaded_jsonl_file_answers_into_a_downloadable_responses_file() {
    let (_dir, emulator, mut requests) = setup(3, json!({"pending_ms": 0, "running_ms": 0})).await;
    requests[2]["generationConfig"]["temperature"] = json!(5.0);
    let api = Api::new(&emulator);
    let bytes = jsonl(&requests);
    let file = upload(&api, &bytes).await;
    let name = file["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("files/"), "{file}");
    assert_eq!(file["sizeBytes"], bytes.len().to_string());
    assert_eq!(file["source"], "UPLOADED");
    assert_eq!(file["state"], "ACTIVE");
    assert_eq!(api.get(&name).await["displayName"], "requests");
    let (status, refused) = api
        .send(
            reqwest::Method::GET,
            &format!("/download/v1beta/{name}:download?alt=media"),
            None,
        )
        .await;
    assert_eq!(
        status, 400,
        "an uploaded file cannot be downloaded: {refused}"
    );

    let body = json!({"batch": {"displayName": "from-file", "inputConfig": {"fileName": name}}});
    let (status, created) = api.create(&body).await;
    assert_eq!(status, 200, "{created}");
    let done = api.get(created["name"].as_str().unwrap()).await;
    assert_eq!(done["metadata"]["state"], "BATCH_STATE_SUCCEEDED");
    assert_eq!(done["metadata"]["batchStats"]["failedRequestCount"], "1");
    assert!(done["response"].get("inlinedResponses").is_none());
    let responses = done["response"]["responsesFile"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        done["metadata"]["output"]["responsesFile"],
        responses.as_str()
    );
    assert_ne!(responses, name);
    let generated = api.get(&responses).await;
    assert_eq!(generated["source"], "GENERATED");
    assert!(
        generated["downloadUri"]
            .as_str()
            .unwrap()
            .ends_with(":download?alt=media")
    );

    let downloaded = api
        .http
        .get(format!(
            "{}/download/v1beta/{responses}:download?alt=media",
            api.base
        ))
        .header("x-goog-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(downloaded.status(), 200);
    let text = downloaded.text().await.unwrap();
    let sdk_path = api
        .http
        .get(format!(
            "{}/v1beta/{responses}:download?alt=media",
            api.base
        ))
        .header("x-goog-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sdk_path.text().await.unwrap(),
        text,
        "the path google-genai's files.download asks gives the same bytes"
    );
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for (i, (line, request)) in lines.iter().zip(&requests).enumerate().take(2) {
        assert_eq!(line["key"], format!("k{i}"));
        let path = format!("/v1beta/models/{MODEL}:generateContent");
        let (_, online) = api.send(reqwest::Method::POST, &path, Some(request)).await;
        assert_eq!(line["response"], online, "line {i}");
    }
    assert_eq!(
        (lines[2]["key"].clone(), lines[2]["error"]["code"].clone()),
        (json!("k2"), json!(3))
    );

    let (_, listed) = api
        .send(reqwest::Method::GET, "/v1beta/files?pageSize=1", None)
        .await;
    assert_eq!(
        listed["files"][0]["name"],
        responses.as_str(),
        "newest first"
    );
    assert!(listed.get("nextPageToken").is_some());
    let (status, _) = api
        .send(reqwest::Method::DELETE, &format!("/v1beta/{name}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, missing) = api
        .send(reqwest::Method::GET, &format!("/v1beta/{name}"), None)
        .await;
    assert_eq!(
        status, 403,
        "Google answers a missing file with 403: {missing}"
    );
    assert_eq!(api.create(&body).await.0, 404, "the deleted file is gone");
}

#[tokio::test]
async fn uploads_and_files_the_service_would_refuse_are_refused() {
    let (_dir, emulator, requests) = setup(1, json!({"pending_ms": 0, "running_ms": 0})).await;
    let api = Api::new(&emulator);
    let start = |protocol: &'static str| {
        api.http
            .post(format!("{}/upload/v1beta/files", api.base))
            .header("x-goog-api-key", API_KEY)
            .header("x-goog-upload-protocol", protocol)
            .header("x-goog-upload-command", "start")
            .json(&json!({"file": {"mimeType": "application/jsonl"}}))
    };
    assert_eq!(start("multipart").send().await.unwrap().status(), 400);
    let started = start("resumable").send().await.unwrap();
    let url = started.headers()["x-goog-upload-url"]
        .to_str()
        .unwrap()
        .to_string();
    let chunk = |offset: &str, command: &'static str| {
        api.http
            .post(&url)
            .header("x-goog-upload-command", command)
            .header("x-goog-upload-offset", offset.to_string())
            .body("{}\n")
    };
    let wrong = chunk("5", "upload, finalize").send().await.unwrap();
    assert_eq!(wrong.status(), 400);
    let text = wrong.text().await.unwrap();
    assert!(text.contains("X-Goog-Upload-Offset"), "{text}");
    let asked = chunk("0", "query").send().await.unwrap();
    assert_eq!(asked.headers()["x-goog-upload-size-received"], "0");
    assert_eq!(
        chunk("0", "upload, finalize")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        chunk("3", "upload").send().await.unwrap().status(),
        404,
        "a finalized upload takes no more bytes"
    );
    let no_key = api
        .http
        .post(format!("{}/upload/v1beta/files", api.base))
        .header("x-goog-upload-protocol", "resumable")
        .header("x-goog-upload-command", "start")
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 403);

    let mut lines = jsonl(&requests);
    lines.extend_from_slice(b"{\"request\": {}}\nnot json\n");
    let file = upload(&api, &lines).await;
    let body = json!({"batch": {"displayName": "bad", "inputConfig": {"fileName": file["name"]}}});
    let (status, refused) = api.create(&body).await;
    assert_eq!(status, 400, "{refused}");
    let violations = refused["error"]["details"][0]["fieldViolations"]
        .as_array()
        .unwrap();
    assert_eq!(violations.len(), 2, "{refused}");
    assert_eq!(violations[0]["field"], "batch.input_config.file_name");
    assert!(
        violations[0]["description"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{refused}"
    );
    assert!(
        violations[1]["description"]
            .as_str()
            .unwrap()
            .contains("line 3"),
        "{refused}"
    );
    assert_eq!(
        api.send(
            reqwest::Method::GET,
            "/download/v1beta/files/none:download?alt=media",
            None
        )
        .await
        .0,
        403
    );
}
