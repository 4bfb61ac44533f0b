//! Slow and idle clients against the shared server: real TCP clients that send half
//! their headers or half their body, or go quiet, are disconnected, and a normal
//! client is served meanwhile; past the connection cap clients wait their turn.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::routing::{get, post};
use tally_daemon::serve::{ConnectionLimits, serve_router};
use tally_daemon::server::{RunningServer, spawn_on_loopback};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Only a bound on a test that would otherwise hang; no assertion is about time.
const PATIENCE: Duration = Duration::from_secs(60);

async fn start(limits: ConnectionLimits) -> RunningServer {
    let router = Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/echo", post(|body: Bytes| async move { body }));
    spawn_on_loopback("test", move |listener, shutdown| async move {
        serve_router(listener, limits, router, shutdown).await;
        Ok::<(), std::io::Error>(())
    })
    .await
    .unwrap()
}

fn short_limits(max_connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_connections,
    }
}

/// Everything the server sends until it closes the connection.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

async fn half_sent_headers(server: &RunningServer) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    stream
}

#[tokio::test]
async fn half_sent_headers_are_dropped_while_a_normal_client_is_served() {
    let server = start(short_limits(1024)).await;
    let mut slow = Vec::new();
    for _ in 0..500 {
        slow.push(half_sent_headers(&server).await);
    }
    let answer = reqwest::get(server.base_url()).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "ok");
    for stream in &mut slow {
        let received = read_until_closed(stream).await;
        assert!(!received.contains("200 OK"), "{received}");
    }
}

#[tokio::test]
async fn a_half_sent_body_is_refused_and_the_connection_closed() {
    let server = start(short_limits(16)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc")
        .await
        .unwrap();
    let received = read_until_closed(&mut stream).await;
    assert!(received.starts_with("HTTP/1.1 4"), "{received}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = start(short_limits(16)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let received = read_until_closed(&mut stream).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
}

#[tokio::test]
async fn past_the_cap_a_client_waits_for_a_free_connection() {
    let server = start(short_limits(2)).await;
    let mut slow = vec![
        half_sent_headers(&server).await,
        half_sent_headers(&server).await,
    ];
    // Served once the slow ones are dropped, not refused.
    let answer = tokio::time::timeout(PATIENCE, reqwest::get(server.base_url()))
        .await
        .expect("served after the slow clients were dropped")
        .unwrap();
    assert_eq!(answer.status(), 200);
    for stream in &mut slow {
        read_until_closed(stream).await;
    }
}
