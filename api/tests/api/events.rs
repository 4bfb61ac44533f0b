//! `GET …/runs/{id}/events`: progress and the final state pushed to every client,
//! from one Redis subscription per API process.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tally_store::events::{Notice, subscribe};

use crate::helpers::{KEY, TestApp, error_of, spawn_app};

/// The events of one stream, parsed as they arrive.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp, run: &str) -> Events {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/experiments/runs/{run}/events")))
            .header("X-API-Key", KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Events {
            response,
            buffer: String::new(),
        }
    }

    /// The next event as (kind, data); `None` when the stream ended. Heartbeat
    /// comments are skipped.
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut kind, mut data) = (String::new(), String::new());
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        kind = value.trim().to_string();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if !kind.is_empty() {
                    return Some((kind, serde_json::from_str(&data).unwrap()));
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(30), self.response.chunk())
                .await
                .expect("an event or the end within 30 s")
                .unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Skips `status` events until one satisfies `wanted`.
    async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let (kind, status) = self.next().await.expect("the stream goes on");
            assert_eq!(kind, "status", "no final state yet: {status}");
            if wanted(&status) {
                return status;
            }
        }
    }
}

#[tokio::test]
async fn a_client_receives_progress_then_the_final_state_and_the_stream_ends() {
    let app = spawn_app().await;
    let (run, experiments) = app.submit_run(&["gemini-2.5-flash"]).await;
    let records = app.sample_records().await;
    let mut events = Events::open(&app, run.as_str()).await;

    let first = events.until(|_| true).await;
    assert_eq!(first["run_id"], run.as_str());
    assert_eq!(first["progress"]["done"], 0);

    for record in &records[..2] {
        app.write_answer(
            &experiments[0],
            record,
            Some(record.expected_output.clone()),
        )
        .await;
    }
    let progressed = events.until(|s| s["progress"]["done"] == 2).await;
    assert_eq!(progressed["status"], "running");
    assert_eq!(progressed["progress"]["total"], records.len());

    app.finish_run(&run).await;
    let (kind, last) = loop {
        let (kind, status) = events.next().await.expect("a final event");
        if kind == "final" {
            break (kind, status);
        }
        assert_eq!(kind, "status");
    };
    assert_eq!(kind, "final");
    assert!(
        ["succeeded", "partial"].contains(&last["status"].as_str().unwrap()),
        "{last}"
    );
    assert!(last["result"]["experiments"].is_array(), "{last}");
    assert!(
        events.next().await.is_none(),
        "the stream ends after the final state"
    );

    // A client that comes later gets the final state at once, and the end.
    let mut late = Events::open(&app, run.as_str()).await;
    assert_eq!(late.next().await.unwrap().0, "final");
    assert!(late.next().await.is_none());
    app.cleanup().await;
}

#[tokio::test]
async fn many_clients_share_one_subscription() {
    let app = spawn_app().await;
    let (run, experiments) = app.submit_run(&["gemini-2.5-flash"]).await;
    let records = app.sample_records().await;
    let mut clients = Vec::new();
    for _ in 0..6 {
        let mut events = Events::open(&app, run.as_str()).await;
        events.until(|_| true).await;
        clients.push(events);
    }
    let mut redis = redis::Client::open(app.store_settings().redis_url.expose())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let channel = app.store.keys().events();
    let (_, subscribers): (String, u64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(&channel)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(subscribers, 1, "six clients, one subscription");

    app.write_answer(
        &experiments[0],
        &records[0],
        Some(records[0].expected_output.clone()),
    )
    .await;
    for events in &mut clients {
        events.until(|s| s["progress"]["done"] == 1).await;
    }
    app.cleanup().await;
}

#[tokio::test]
async fn results_and_final_states_are_announced_on_the_channel() {
    let app = spawn_app().await;
    let (run, experiments) = app.submit_run(&["gemini-2.5-flash"]).await;
    let records = app.sample_records().await;
    let notices = subscribe(&app.store_settings()).await.unwrap();
    let mut notices = std::pin::pin!(notices);
    assert_eq!(notices.next().await, Some(Notice::Resync));

    app.write_answer(
        &experiments[0],
        &records[0],
        Some(records[0].expected_output.clone()),
    )
    .await;
    let experiment = Notice::Changed(experiments[0].to_string());
    // The experiment starts, then its first result (10 records: a notice each).
    assert_eq!(notices.next().await.as_ref(), Some(&experiment));
    assert_eq!(notices.next().await.as_ref(), Some(&experiment));
    app.finish_run(&run).await;
    assert_eq!(notices.next().await.as_ref(), Some(&experiment));
    assert_eq!(notices.next().await, Some(Notice::Changed(run.to_string())));
    app.cleanup().await;
}

#[tokio::test]
async fn an_unknown_run_is_404_before_any_stream() {
    let app = spawn_app().await;
    let response = app
        .get("/api/v1/experiments/runs/run_01jd5x00000000000000000000/events")
        .await;
    let body = error_of(response, 404).await;
    assert_eq!(body["error"]["code"], "not_found");
    app.cleanup().await;
}
