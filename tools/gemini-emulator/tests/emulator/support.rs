//! Test helpers: small real PNGs, a dataset folder with known answers, an emulator
//! on a free port, and a client pointed at it.

use std::path::Path;
use std::time::Duration;

use gemini_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::{Value, json};
use tally::dataset::DatasetRecord;
use tally::gemini::{GeminiClient, GeminiConfig, GenerationSettings, Page, RetryPolicy, SecretString};

pub const API_KEY: &str = "test-key";

/// A valid grayscale PNG whose pixels depend on `seed` (distinct seeds → distinct
/// bytes → distinct image hashes).
pub fn png(seed: u32) -> Vec<u8> {
    let (width, height) = (8u32, 8u32);
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        raw.extend((0..width).map(|x| (seed.wrapping_mul(31) ^ (x * 7 + y * 13)) as u8));
    }
    let mut zlib = vec![0x78, 0x01, 1];
    let len = raw.len() as u16;
    zlib.extend(len.to_le_bytes());
    zlib.extend((!len).to_le_bytes());
    zlib.extend(&raw);
    zlib.extend(adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend((data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend(&data);
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The expected reports of unit `n`: a constituency and a party-list form whose
/// numbers add up.
pub fn expected_reports(n: u32) -> Value {
    let votes: Vec<u64> = (0..5).map(|i| 40 + u64::from((n * 17 + i * 29) % 90)).collect();
    let good: u64 = votes.iter().sum();
    let report = |form_type: &str, rows: Value| {
        json!({
            "form_info": {"form_type": form_type, "date": "2026-02-08", "province": "กรุงเทพมหานคร",
                          "district": "บางพลัด", "constituency_number": 31, "polling_station_number": n + 1},
            "voter_statistics": {"eligible_voters": good + 300, "voters_present": good + 19},
            "ballot_statistics": {"ballots_allocated": good + 350, "ballots_used": good + 19,
                                  "good_ballots": good, "bad_ballots": 12, "no_vote_ballots": 7,
                                  "ballots_remaining": 331},
            "vote_results": rows
        })
    };
    let candidates: Vec<Value> = votes.iter().enumerate()
        .map(|(i, v)| json!({"number": i + 1, "candidate_name": format!("ผู้สมัคร {}", i + 1),
                             "party_name": format!("พรรค {}", i + 1), "vote_count": v}))
        .collect();
    let parties: Vec<Value> = votes.iter().rev().enumerate()
        .map(|(i, v)| json!({"number": i + 1, "party_name": format!("พรรค {}", i + 1), "vote_count": v}))
        .collect();
    json!([report("Constituency", json!(candidates)), report("PartyList", json!(parties))])
}

/// Writes `datasets/sample/records.jsonl` with `count` two-page records.
pub fn write_dataset(root: &Path, count: u32) -> Vec<DatasetRecord> {
    let folder = root.join("sample");
    std::fs::create_dir_all(folder.join("images")).unwrap();
    let mut lines = String::new();
    let mut records = Vec::new();
    for n in 0..count {
        let paths: Vec<String> = (1..=2).map(|p| format!("images/unit{n:03}_page{p}.png")).collect();
        for (p, path) in paths.iter().enumerate() {
            std::fs::write(folder.join(path), png(n * 2 + p as u32)).unwrap();
        }
        let line = json!({"id": format!("unit{n:03}"),
                          "input": {"form_set_name": format!("unit{n:03}"), "image_paths": paths, "num_pages": 2},
                          "expected_output": expected_reports(n)});
        records.push(serde_json::from_value(line.clone()).unwrap());
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    std::fs::write(folder.join("records.jsonl"), lines).unwrap();
    records
}

pub fn dataset_folder(root: &Path) -> std::path::PathBuf {
    root.join("sample")
}

/// Emulator settings for tests: no latency, our key.
pub fn test_config() -> EmulatorConfig {
    let mut config = EmulatorConfig::default().with_fixed_latency(0);
    config.api_keys = vec![API_KEY.to_string()];
    config
}

pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    gemini_emulator::spawn(config).await.expect("emulator starts")
}

/// A Developer API client for `emulator` with fast retries.
pub fn client(emulator: &RunningEmulator) -> GeminiClient {
    client_with(emulator, |_| {})
}

pub fn client_with(emulator: &RunningEmulator, adjust: impl FnOnce(&mut GeminiConfig)) -> GeminiClient {
    let mut config = GeminiConfig::developer(SecretString::new(API_KEY));
    config.base_url = Some(emulator.base_url());
    config.retry = fast_retries();
    adjust(&mut config);
    GeminiClient::new(config).expect("client builds")
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        total_budget: Duration::from_secs(30),
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

pub fn pages(root: &Path, record: &DatasetRecord) -> Vec<Page> {
    Page::of_record(&dataset_folder(root), record)
}

/// Settings every built-in model accepts (2.0 models stop at 8192 output tokens).
pub fn settings(model: &str) -> GenerationSettings {
    GenerationSettings { seed: Some(1), max_output_tokens: 8192, ..GenerationSettings::new(model, 0.0) }
}

/// A small introspection client.
pub struct Inspect {
    http: reqwest::Client,
    base: String,
}

impl Inspect {
    pub fn new(emulator: &RunningEmulator) -> Self {
        Inspect { http: reqwest::Client::new(), base: emulator.base_url() }
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap().json().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self.http.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    pub async fn patch_settings(&self, patch: Value) {
        let response = self.http.patch(format!("{}/_emulator/settings", self.base)).json(&patch).send().await.unwrap();
        assert!(response.status().is_success(), "settings patch refused: {}", response.text().await.unwrap());
    }

    pub async fn faults(&self, faults: Value) {
        self.post("/_emulator/faults", json!({"faults": faults})).await;
    }

    /// Requests that reached `model` (any outcome).
    pub async fn requests_to(&self, model: &str) -> u64 {
        self.get("/_emulator/stats").await["models"][model]["requests"].as_u64().unwrap_or(0)
    }

    pub async fn logged(&self) -> Vec<Value> {
        self.get("/_emulator/requests").await["requests"].as_array().cloned().unwrap_or_default()
    }
}
