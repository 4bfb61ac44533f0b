//! Following a run until it is final: the status events of `…/runs/{id}/events`
//! while the server sends them, then polling `…/runs/{id}` every half second (a
//! server without the route, a proxy that buffers streams, a dropped connection).

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use tally_core::contract::views::RunStatusView;

use crate::api::{Api, ApiError};

const POLL: Duration = Duration::from_millis(500);

/// Calls `show` with each state of the run until it is final or `deadline` passes;
/// returns the last state seen.
pub fn follow(
    api: &Api,
    run_id: &str,
    deadline: Instant,
    mut show: impl FnMut(&RunStatusView),
) -> Result<RunStatusView, ApiError> {
    let mut last = None;
    if let Ok(events) = api.event_stream(
        &format!("/api/v1/experiments/runs/{run_id}/events"),
        deadline.saturating_duration_since(Instant::now()),
    ) {
        for status in statuses(BufReader::new(events)) {
            show(&status);
            let is_final = status.status.is_final();
            last = Some(status);
            if is_final {
                break;
            }
        }
    }
    loop {
        if let Some(status) = last.take() {
            if status.status.is_final() || Instant::now() >= deadline {
                return Ok(status);
            }
            std::thread::sleep(POLL);
        }
        let status: RunStatusView = api.get(&format!("/api/v1/experiments/runs/{run_id}"))?;
        show(&status);
        last = Some(status);
    }
}

/// The run states of an event stream (`status` and `final` events), until it ends or
/// a read fails; comments (heartbeats) and unknown events are skipped.
fn statuses(stream: impl BufRead) -> impl Iterator<Item = RunStatusView> {
    let mut kind = String::new();
    let mut data = String::new();
    stream
        .lines()
        .map_while(Result::ok)
        .filter_map(move |line| {
            if let Some(value) = line.strip_prefix("event:") {
                kind = value.trim().to_string();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push_str(value.strip_prefix(' ').unwrap_or(value));
            } else if line.is_empty() {
                let event = (std::mem::take(&mut kind), std::mem::take(&mut data));
                if matches!(event.0.as_str(), "status" | "final") {
                    return serde_json::from_str(&event.1).ok();
                }
            }
            None
        })
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;
    use crate::api::Connection;

    fn status(state: &str) -> String {
        serde_json::json!({
                "run_id": "run_1", "status": state, "run_url": "u",
                "dataset": {"name": "d", "version": 1, "size": 2,
                    "content_hash": format!("sha256:{}", "0".repeat(64))},
                "progress": {"total": 2, "done": 1, "failed": 0, "retries": 0, "rate_limited": 0, "percent": 50.0},
                "experiments": [], "submitter": {}, "created_at": "2026-11-30T12:00:00Z",
                "cancel_requested": false, "retries": [], "status_url": "u"
        })
        .to_string()
    }

    #[test]
    fn status_events_are_read_and_comments_skipped() {
        let text = format!(
            ":heartbeat\n\nevent: status\ndata: {}\n\nevent: other\ndata: x\n\nevent: final\ndata: {}\n\n",
            status("running"),
            status("succeeded")
        );
        let seen: Vec<String> = statuses(text.as_bytes())
            .map(|s| s.status.to_string())
            .collect();
        assert_eq!(seen, ["running", "succeeded"]);
    }

    /// A server on loopback that answers each request from `answer(path)` and closes.
    fn serve(answer: fn(&str) -> String) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let mut head = [0u8; 4096];
                let read = stream.read(&mut head).unwrap();
                let request = String::from_utf8_lossy(&head[..read]).to_string();
                let path = request.split(' ').nth(1).unwrap_or("").to_string();
                let _ = stream.write_all(answer(&path).as_bytes());
            }
        });
        url
    }

    fn answer(status: u16, content_type: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    fn follow_on(url: String) -> Vec<String> {
        let api = Api::new(&Connection {
            api_url: url,
            api_key: Some("k".into()),
        })
        .unwrap();
        let mut seen = Vec::new();
        let last = follow(
            &api,
            "run_1",
            Instant::now() + Duration::from_secs(60),
            |s| seen.push(s.status.to_string()),
        )
        .unwrap();
        assert_eq!(last.status.to_string(), "succeeded");
        seen
    }

    #[test]
    fn without_the_events_route_the_run_is_polled_to_its_end() {
        let url = serve(|path| {
            if path.ends_with("/events") {
                let error = r#"{"error":{"code":"not_found","message":"no route","details":[]}}"#;
                answer(404, "application/json", error)
            } else {
                answer(200, "application/json", &status("succeeded"))
            }
        });
        assert_eq!(follow_on(url), ["succeeded"]);
    }

    #[test]
    fn a_stream_that_breaks_off_before_the_end_is_followed_by_polling() {
        let url = serve(|path| {
            if path.ends_with("/events") {
                let events = format!("event: status\ndata: {}\n\n", status("running"));
                answer(200, "text/event-stream", &events)
            } else {
                answer(200, "application/json", &status("succeeded"))
            }
        });
        assert_eq!(follow_on(url), ["running", "succeeded"]);
    }
}
