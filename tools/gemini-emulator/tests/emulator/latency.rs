//! A fixed latency is the time from a request's arrival to its answer leaving: the
//! emulator composes the answer within it, never sends it earlier, and counts it in
//! `/_emulator/stats` by its own clock.

use serde_json::json;

use crate::support::*;

const MODEL: &str = "gemini-2.5-flash";
const LATENCY_MS: u64 = 40;

#[tokio::test]
async fn no_answer_leaves_before_its_latency_and_each_is_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let records = write_dataset(dir.path(), 4).unwrap();
    let mut config = test_config().with_fixed_latency(LATENCY_MS);
    config.datasets = Some(dir.path().to_path_buf());
    let emulator = start(config).await;
    let client = client(&emulator);
    // Known records: their answers are read from the dataset.
    for record in &records {
        client
            .extract(&pages(dir.path(), record), &settings(MODEL))
            .await
            .expect("answered");
    }
    // Both streamed shapes; and a refused request, which is answered at once.
    let http = reqwest::Client::new();
    let body = json!({"contents": [{"parts": [{"text": "Page 1"}]}]});
    for (action, status) in [
        ("streamGenerateContent?alt=sse", 200),
        ("streamGenerateContent", 200),
        ("generateContent", 400),
    ] {
        let body = if status == 400 {
            json!({"contents": 1})
        } else {
            body.clone()
        };
        let response = http
            .post(format!(
                "{}/v1beta/models/{MODEL}:{action}",
                emulator.base_url()
            ))
            .header("x-goog-api-key", API_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{action}");
        response.bytes().await.unwrap();
    }

    let stats = Inspect::new(&emulator).get("/_emulator/stats").await;
    let answered = &stats["models"][MODEL]["answered"];
    assert_eq!(answered["answers"], records.len() as u64 + 2, "{stats}");
    // The emulator's own clock, from the arrival it stamped: a lower bound only.
    let min_ms = answered["min_ms"].as_f64().unwrap();
    assert!(min_ms >= LATENCY_MS as f64, "{answered}");
    assert!(answered["max_ms"].as_f64().unwrap() >= min_ms, "{answered}");
}
