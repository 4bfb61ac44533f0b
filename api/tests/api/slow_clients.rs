//! Slow clients against tally-api: half-sent headers and bodies are dropped (the body
//! with a 408 JSON error) while a normal client is served.

use std::time::Duration;

use tally_daemon::serve::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{KEY, TestApp, spawn_app_with};

/// Only a bound on a test that would otherwise hang; no assertion is about time.
const PATIENCE: Duration = Duration::from_secs(60);

async fn short_limits_app() -> TestApp {
    spawn_app_with(|settings| {
        settings.connection_limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(1),
            body_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(1),
            max_connections: 256,
        }
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the API kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn half_sent_headers_are_dropped_while_a_normal_client_is_served() {
    let app = short_limits_app().await;
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"GET /api/v1/datasets HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
    for stream in &mut slow {
        let received = read_until_closed(stream).await;
        assert!(!received.contains("200 OK"), "{received}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn a_half_sent_body_is_a_408_json_error() {
    let app = short_limits_app().await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /api/v1/experiments/run-async HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"dataset\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let received = read_until_closed(&mut stream).await;
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(
        received.contains(r#""code":"request_timeout""#),
        "{received}"
    );
    app.cleanup().await;
}
