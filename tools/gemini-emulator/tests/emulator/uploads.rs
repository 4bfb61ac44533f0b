//! The Files API's resumable upload in chunks, as strict as Google's: whole units
//! of the announced granularity, each chunk at the offset received so far, no more
//! and no fewer bytes than announced, and `query` after an interruption; then
//! tally's `BatchClient` uploading a part in several chunks, resuming after
//! interruptions and starting over when it cannot.

use std::io::Write as _;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tally_gemini::batch::{BatchClient, RequestLine};

use crate::support::*;

/// The granularity the emulator announces (Google's 256 KiB).
const UNIT: usize = 256 * 1024;

/// `size` bytes that differ from chunk to chunk.
fn content(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// Starts an upload announcing `size` bytes: its URL and announced granularity.
pub async fn start_upload(http: &reqwest::Client, base: &str, size: usize) -> (String, usize) {
    let started = http
        .post(format!("{base}/upload/v1beta/files"))
        .header("x-goog-api-key", API_KEY)
        .header("x-goog-upload-protocol", "resumable")
        .header("x-goog-upload-command", "start")
        .header("x-goog-upload-header-content-length", size.to_string())
        .json(&json!({"file": {"displayName": "requests", "mimeType": "application/jsonl"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    assert_eq!(started.headers()["x-goog-upload-status"], "active");
    let url = started.headers()["x-goog-upload-url"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        url.starts_with(&format!("{base}/upload/v1beta/files?upload_id=")),
        "{url}"
    );
    let granularity = started.headers()["x-goog-upload-chunk-granularity"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    (url, granularity)
}

/// One upload command at `offset`.
async fn command(
    http: &reqwest::Client,
    url: &str,
    command: &str,
    offset: usize,
    body: &[u8],
) -> reqwest::Response {
    http.post(url)
        .header("x-goog-upload-command", command)
        .header("x-goog-upload-offset", offset.to_string())
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

/// `(status, bytes received)` that `query` answers.
async fn query(http: &reqwest::Client, url: &str) -> (String, usize) {
    let response = command(http, url, "query", 0, b"").await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    (
        header("x-goog-upload-status"),
        header("x-goog-upload-size-received").parse().unwrap(),
    )
}

/// Uploads `bytes` in chunks of the announced granularity; the finalized `File`.
pub async fn upload_in_chunks(http: &reqwest::Client, base: &str, bytes: &[u8]) -> Value {
    let (url, granularity) = start_upload(http, base, bytes.len()).await;
    let mut offset = 0;
    loop {
        let end = (offset + granularity).min(bytes.len());
        let last = end == bytes.len();
        let verb = if last { "upload, finalize" } else { "upload" };
        let response = command(http, &url, verb, offset, &bytes[offset..end]).await;
        assert_eq!(response.status(), 200, "{verb} at {offset}");
        if last {
            assert_eq!(response.headers()["x-goog-upload-status"], "final");
            return response.json::<Value>().await.unwrap()["file"].clone();
        }
        assert_eq!(response.headers()["x-goog-upload-status"], "active");
        offset = end;
    }
}

async fn upload_chunks_accepted(emulator: &gemini_emulator::RunningEmulator) -> u64 {
    Inspect::new(emulator).get("/_emulator/stats").await["files"]["upload_chunks"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_file_sent_in_several_chunks_holds_exactly_the_bytes_sent() {
    let emulator = start(test_config()).await;
    let http = reqwest::Client::new();
    let bytes = content(3 * UNIT + 1000);
    let file = upload_in_chunks(&http, &emulator.base_url(), &bytes).await;
    assert_eq!(upload_chunks_accepted(&emulator).await, 4);
    assert_eq!(file["sizeBytes"], bytes.len().to_string());
    assert_eq!(file["sha256Hash"], sha256_base64(&bytes));
}

#[tokio::test]
async fn chunks_off_the_offset_the_granularity_or_the_size_are_refused_and_change_nothing() {
    let emulator = start(test_config()).await;
    let http = reqwest::Client::new();
    let bytes = content(2 * UNIT + 10);
    let (url, granularity) = start_upload(&http, &emulator.base_url(), bytes.len()).await;
    assert_eq!(granularity, UNIT);
    let refused = |response: reqwest::Response, names: &'static str| async move {
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["status"], "INVALID_ARGUMENT", "{body}");
        let message = body["error"]["message"].as_str().unwrap().to_string();
        assert!(message.contains(names), "{message}");
    };

    let short = command(&http, &url, "upload", 0, &bytes[..UNIT - 1]).await;
    refused(short, "granularity").await;
    let ahead = command(&http, &url, "upload", UNIT, &bytes[UNIT..2 * UNIT]).await;
    refused(ahead, "X-Goog-Upload-Offset").await;
    assert_eq!(query(&http, &url).await, ("active".to_string(), 0));

    let first = command(&http, &url, "upload", 0, &bytes[..UNIT]).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-goog-upload-size-received"], "262144");
    let again = command(&http, &url, "upload", 0, &bytes[..UNIT]).await;
    refused(again, "X-Goog-Upload-Offset").await;
    let past = command(&http, &url, "upload", UNIT, &content(2 * UNIT)).await;
    refused(past, "announced").await;
    let early = command(
        &http,
        &url,
        "upload, finalize",
        UNIT,
        &bytes[UNIT..UNIT + 5],
    )
    .await;
    refused(early, "announced").await;
    assert_eq!(query(&http, &url).await, ("active".to_string(), UNIT));

    let last = command(&http, &url, "upload, finalize", UNIT, &bytes[UNIT..]).await;
    assert_eq!(last.status(), 200);
    let file = last.json::<Value>().await.unwrap()["file"].clone();
    assert_eq!(file["sha256Hash"], sha256_base64(&bytes));
}

/// A chunk whose body stops half way (the connection closed) is not kept: `query`
/// says where to go on from, and the chunk sent again there completes the file.
/// A chunk kept whose answer was lost (the `reset` fault) shows in `query` too; a
/// finalized upload answers `query` with its file.
#[tokio::test]
async fn an_interrupted_upload_goes_on_from_what_query_reports() {
    let emulator = start(test_config()).await;
    let http = reqwest::Client::new();
    let bytes = content(3 * UNIT + 7);
    let (url, _) = start_upload(&http, &emulator.base_url(), bytes.len()).await;
    let first = command(&http, &url, "upload", 0, &bytes[..UNIT]).await;
    assert_eq!(first.status(), 200);

    let address = emulator
        .base_url()
        .trim_start_matches("http://")
        .to_string();
    let path = url.split_once(address.as_str()).unwrap().1;
    let mut cut = std::net::TcpStream::connect(&address).unwrap();
    write!(
        cut,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nX-Goog-Upload-Command: upload\r\n\
         X-Goog-Upload-Offset: {UNIT}\r\nContent-Length: {UNIT}\r\n\r\n"
    )
    .unwrap();
    cut.write_all(&bytes[UNIT..UNIT + UNIT / 2]).unwrap();
    drop(cut);
    assert_eq!(query(&http, &url).await, ("active".to_string(), UNIT));

    Inspect::new(&emulator)
        .post(
            "/_emulator/faults",
            json!({"model": "upload", "faults": [{"fault": "reset"}]}),
        )
        .await;
    let lost = http
        .post(&url)
        .header("x-goog-upload-command", "upload")
        .header("x-goog-upload-offset", UNIT.to_string())
        .body(bytes[UNIT..2 * UNIT].to_vec())
        .send()
        .await;
    assert!(lost.is_err(), "the answer was meant to be lost: {lost:?}");
    assert_eq!(query(&http, &url).await, ("active".to_string(), 2 * UNIT));

    let last = command(
        &http,
        &url,
        "upload, finalize",
        2 * UNIT,
        &bytes[2 * UNIT..],
    )
    .await;
    assert_eq!(last.status(), 200);
    let file = last.json::<Value>().await.unwrap()["file"].clone();
    assert_eq!(file["sha256Hash"], sha256_base64(&bytes));
    let asked = command(&http, &url, "query", 0, b"").await;
    assert_eq!(asked.headers()["x-goog-upload-status"], "final");
    assert_eq!(
        asked.json::<Value>().await.unwrap()["file"]["name"],
        file["name"]
    );
}

/// Request lines of about `size` bytes of JSONL in all.
fn lines(size: usize) -> Vec<RequestLine> {
    let each = 10_000;
    (0..size / each)
        .map(|i| {
            let text = format!("{i:04}").repeat(each / 4);
            let request = json!({"contents": [{"role": "user", "parts": [{"text": text}]}]});
            RequestLine::new(format!("r{i}"), &request).unwrap()
        })
        .collect()
}

/// The JSONL the service should end up holding, made here independently.
fn expected_jsonl(lines: &[RequestLine]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in lines {
        let text = json!({"key": line.key, "request": line.request}).to_string();
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(b'\n');
    }
    bytes
}

fn chunked_client(emulator: &gemini_emulator::RunningEmulator) -> BatchClient {
    let mut gemini = tally_gemini::GeminiConfig::developer(tally_gemini::Secret::new(API_KEY));
    gemini.base_url = Some(emulator.base_url());
    BatchClient::new(&gemini)
        .unwrap()
        .expect("the Developer API has batches")
        .with_upload_chunk(UNIT)
}

async fn file(emulator: &gemini_emulator::RunningEmulator, name: &str) -> Value {
    Inspect::new(emulator)
        .get(&format!("/v1beta/{name}?key={API_KEY}"))
        .await
}

/// The first chunk's answer is lost after the chunk was kept, the second is
/// refused with a 503 before it is kept: the client asks where the upload stands each time and
/// goes on from there, so the file is the part's bytes, sent once each.
#[tokio::test]
async fn tallys_client_uploads_a_part_in_chunks_and_resumes_after_interruptions() {
    let emulator = start(test_config()).await;
    let client = chunked_client(&emulator);
    let lines = lines(5 * UNIT);
    let expected = expected_jsonl(&lines);
    let chunks = expected.len().div_ceil(UNIT) as u64;
    assert!(chunks >= 5, "{chunks}");
    Inspect::new(&emulator)
        .post(
            "/_emulator/faults",
            json!({"model": "upload", "faults": [{"fault": "reset"}, {"fault": "unavailable"}]}),
        )
        .await;
    let name = client.input_file("tally/e/p0", &lines).await.unwrap();

    let stats = Inspect::new(&emulator).get("/_emulator/stats").await;
    assert_eq!(stats["files"]["upload_chunks"], chunks, "{stats}");
    assert_eq!(stats["files"]["upload_queries"], 2, "{stats}");
    let digest = tally_gemini::batch::digest(&lines);
    assert_eq!(digest.size, expected.len());
    let shown = file(&emulator, &name).await;
    assert_eq!(shown["sizeBytes"], expected.len().to_string());
    assert_eq!(shown["sha256Hash"], sha256_base64(&expected));
    assert_eq!(shown["displayName"], "tally/e/p0");
}

/// Interrupted more often than it resumes, the upload gives up with a transient
/// error and leaves no file; made again, it completes.
#[tokio::test]
async fn an_upload_interrupted_too_often_starts_over_and_leaves_one_file() {
    let emulator = start(test_config()).await;
    let client = chunked_client(&emulator);
    let lines = lines(2 * UNIT);
    let unavailable: Vec<Value> = (0..5).map(|_| json!({"fault": "unavailable"})).collect();
    Inspect::new(&emulator)
        .post(
            "/_emulator/faults",
            json!({"model": "upload", "faults": unavailable}),
        )
        .await;
    let error = client
        .input_file("tally/e/p1", &lines)
        .await
        .expect_err("five interruptions in a row give the upload up");
    assert!(error.transient, "{error}");
    let listed = Inspect::new(&emulator)
        .get(&format!("/v1beta/files?key={API_KEY}"))
        .await;
    assert!(
        listed["files"].as_array().is_none_or(Vec::is_empty),
        "{listed}"
    );

    let name = client.input_file("tally/e/p1", &lines).await.unwrap();
    let shown = file(&emulator, &name).await;
    assert_eq!(shown["sha256Hash"], sha256_base64(&expected_jsonl(&lines)));
}
