//! What the emulator answers: reproducible, ranked by the models' error profiles,
//! empty for unknown pages, streamable, with realistic usage and quota errors.

use serde_json::{Value, json};
use tally_gemini::GenerationSettings;

use crate::support::*;

#[tokio::test]
async fn same_request_and_seed_give_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    let records = write_dataset(dir.path(), 6).unwrap();
    let mut config = test_config();
    config.datasets = Some(dir.path().to_path_buf());
    // A sloppy model, so that answers really vary with the seed.
    config
        .models
        .get_mut("gemini-2.0-flash-lite")
        .unwrap()
        .errors
        .digit_slip = 0.3;
    let emulator = start(config).await;
    let client = client(&emulator);
    let answers = |seed: i32| {
        let client = &client;
        let records = &records;
        let root = dir.path();
        async move {
            let settings = GenerationSettings {
                seed: Some(seed),
                ..settings("gemini-2.0-flash-lite")
            };
            let mut texts = Vec::new();
            for record in records {
                let result = client.extract(&pages(root, record), &settings).await;
                texts.push(match result {
                    Ok(extraction) => extraction.answer.raw_text,
                    Err(failure) => failure
                        .answer
                        .map(|a| a.raw_text)
                        .unwrap_or(failure.message),
                });
            }
            texts
        }
    };
    let first = answers(7).await;
    assert_eq!(
        first,
        answers(7).await,
        "same request + seed → same answers"
    );
    assert_ne!(first, answers(8).await, "another seed → other mistakes");
}

/// Exact-match accuracy of `model` over `records`.
async fn accuracy(
    client: &tally_gemini::GeminiClient,
    root: &std::path::Path,
    records: &[tally_core::dataset::DatasetRecord],
    model: &str,
) -> f64 {
    let mut correct = 0;
    for record in records {
        if let Ok(extraction) = client.extract(&pages(root, record), &settings(model)).await
            && extraction.reports == record.expected_output
        {
            correct += 1;
        }
    }
    correct as f64 / records.len() as f64
}

#[tokio::test]
async fn better_profiles_score_higher() {
    let dir = tempfile::tempdir().unwrap();
    let records = write_dataset(dir.path(), 24).unwrap();
    let mut config = test_config();
    config.datasets = Some(dir.path().to_path_buf());
    let emulator = start(config).await;
    let client = client(&emulator);
    let pro = accuracy(&client, dir.path(), &records, "gemini-2.5-pro").await;
    let flash = accuracy(&client, dir.path(), &records, "gemini-2.5-flash").await;
    let lite = accuracy(&client, dir.path(), &records, "gemini-2.0-flash-lite").await;
    eprintln!("exact-match accuracy: 2.5-pro {pro}, 2.5-flash {flash}, 2.0-flash-lite {lite}");
    assert!(
        pro > lite && flash > lite,
        "pro {pro}, flash {flash}, 2.0-flash-lite {lite}"
    );
    assert!(
        pro >= 0.5,
        "the best built-in profile gets most records right: {pro}"
    );
}

#[tokio::test]
async fn unknown_pages_get_an_answer_with_nothing_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stranger.png"), png(999)).unwrap();
    let emulator = start(test_config()).await;
    let page = tally_gemini::Page::from_dataset_path(dir.path(), "stranger.png");
    let extraction = client(&emulator)
        .extract(&[page], &settings("gemini-2.5-flash"))
        .await
        .unwrap();
    assert_eq!(extraction.reports.len(), 1);
    let report = &extraction.reports[0];
    assert!(report.vote_results.is_empty());
    assert_eq!(report.ballot_statistics, Default::default());
}

async fn raw_call(
    emulator: &gemini_emulator::RunningEmulator,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}{path}", emulator.base_url()))
        .header("x-goog-api-key", API_KEY)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn one_page_body(thinking: Option<Value>) -> Value {
    let mut body = json!({"contents": [{"parts": [{"text": "Page 1"},
        {"inlineData": {"mimeType": "image/png", "data": base64_png()}}]}],
        "generationConfig": {"responseMimeType": "application/json"}});
    if let Some(thinking) = thinking {
        body["generationConfig"]["thinkingConfig"] = thinking;
    }
    body
}

fn base64_png() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(png(1))
}

#[tokio::test]
async fn usage_counts_images_and_thinking_like_the_service() {
    let emulator = start(test_config()).await;
    let thinking: Value = raw_call(
        &emulator,
        "/v1beta/models/gemini-2.5-flash:generateContent",
        &one_page_body(Some(
            json!({"thinkingBudget": 1024, "includeThoughts": true}),
        )),
    )
    .await
    .json()
    .await
    .unwrap();
    let usage = &thinking["usageMetadata"];
    assert_eq!(
        usage["promptTokensDetails"][1],
        json!({"modality": "IMAGE", "tokenCount": 258})
    );
    let thoughts = usage["thoughtsTokenCount"].as_u64().unwrap();
    assert!(thoughts > 0 && thoughts <= 1024, "{usage}");
    let total = usage["promptTokenCount"].as_u64().unwrap()
        + usage["candidatesTokenCount"].as_u64().unwrap()
        + thoughts;
    assert_eq!(usage["totalTokenCount"], total);
    assert_eq!(
        thinking["candidates"][0]["content"]["parts"][0]["thought"], true,
        "thought summary requested"
    );

    let plain: Value = raw_call(
        &emulator,
        "/v1beta/models/gemini-2.0-flash:generateContent",
        &one_page_body(None),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        plain["usageMetadata"].get("thoughtsTokenCount").is_none(),
        "2.0 does not think"
    );
    assert_eq!(plain["modelVersion"], "gemini-2.0-flash-001");
}

#[tokio::test]
async fn streaming_sends_server_sent_events_with_cumulative_usage() {
    let emulator = start(test_config()).await;
    let response = raw_call(
        &emulator,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        &one_page_body(None),
    )
    .await;
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = response.text().await.unwrap();
    let chunks: Vec<Value> = text
        .split("\r\n\r\n")
        .filter_map(|event| event.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    assert!(chunks.len() >= 2, "{text}");
    let answer: String = chunks
        .iter()
        .filter_map(|c| c["candidates"][0]["content"]["parts"][0]["text"].as_str())
        .collect();
    assert!(
        tally_core::extraction::parse_reports(&answer).is_ok(),
        "{answer}"
    );
    let last = chunks.last().unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert!(
        last["usageMetadata"]["candidatesTokenCount"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test]
async fn the_quota_429_looks_like_the_developer_apis() {
    let mut config = test_config();
    config.models.get_mut("gemini-2.5-flash").unwrap().rpm = Some(1);
    let emulator = start(config).await;
    let path = "/v1beta/models/gemini-2.5-flash:generateContent";
    assert_eq!(
        raw_call(&emulator, path, &one_page_body(None))
            .await
            .status(),
        200
    );
    let refused = raw_call(&emulator, path, &one_page_body(None)).await;
    assert_eq!(refused.status(), 429);
    let body: Value = refused.json().await.unwrap();
    let error = &body["error"];
    assert_eq!(error["status"], "RESOURCE_EXHAUSTED");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with("You exceeded your current quota"),
        "{message}"
    );
    assert!(
        message.contains("limit: 1, model: gemini-2.5-flash\nPlease retry in "),
        "{message}"
    );
    let details = error["details"].as_array().unwrap();
    let quota = details
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.QuotaFailure")
        .unwrap();
    assert_eq!(
        quota["violations"][0]["quotaId"],
        "GenerateRequestsPerMinutePerProjectPerModel"
    );
    let retry = details
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.RetryInfo")
        .unwrap();
    let delay = retry["retryDelay"].as_str().unwrap();
    let seconds: f64 = delay.strip_suffix('s').unwrap().parse().unwrap();
    assert!(seconds > 0.0 && seconds <= 60.0, "{delay}");
    let stats = Inspect::new(&emulator).get("/_emulator/stats").await;
    assert_eq!(stats["rate_limited"], 1);
    assert_eq!(stats["models"]["gemini-2.5-flash"]["statuses"]["429"], 1);
}

#[tokio::test]
async fn settings_change_at_run_time_and_bad_patches_are_refused() {
    let emulator = start(test_config()).await;
    let inspect = Inspect::new(&emulator);
    inspect.patch_settings(json!({"models": {"gemini-2.5-flash": {"latency": {"kind": "fixed", "ms": 25}, "rpm": null}}})).await;
    let settings = inspect.get("/_emulator/settings").await;
    assert_eq!(
        settings["models"]["gemini-2.5-flash"]["latency"],
        json!({"kind": "fixed", "ms": 25})
    );
    assert_eq!(settings["models"]["gemini-2.5-flash"]["rpm"], Value::Null);
    let refused = reqwest::Client::new()
        .patch(format!("{}/_emulator/settings", emulator.base_url()))
        .json(&json!({"models": {"gemini-2.5-flash": {"faults": {"reset": 3.0}}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "settings: models.\"gemini-2.5-flash\".faults.reset: must be between 0 and 1, got 3"
    );
}
