//! An upload refused before its body is read — a label set name that is taken, a key
//! the server does not know — is answered, and the rest of the body is read, so a
//! client that sends the whole archive before it reads the answer (as blocking HTTP
//! clients do) gets the answer instead of a reset connection. The archive is 8 MiB,
//! more than loopback's socket buffers hold while nobody reads.

use std::path::Path;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::archives::tar_gz_of;
use crate::helpers::{KEY, SAMPLE, TestApp, datasets_dir, spawn_app_with};

const ARCHIVE_BYTES: usize = 8 * 1024 * 1024;

/// Sends all of an `ARCHIVE_BYTES` archive to `path` with `key`, then reads the
/// answer to its end (status line, headers, body).
async fn send_all_then_read(app: &TestApp, path: &str, key: &str) -> String {
    let mut stream = TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {key}\r\n\
         Content-Type: application/gzip\r\nContent-Length: {ARCHIVE_BYTES}\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let sent = stream.write_all(&vec![0_u8; ARCHIVE_BYTES]).await;
    assert!(sent.is_ok(), "the archive could not be sent: {sent:?}");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn an_upload_refused_before_its_body_is_read_is_answered_after_the_whole_body() {
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().to_path_buf();
    let app = spawn_app_with(move |settings| {
        settings.data_dir = folder;
        settings.upload.archive_bytes = 64 * 1024 * 1024;
    })
    .await;
    let pages = datasets_dir().join(SAMPLE).join("images");
    let created = app
        .client
        .post(app.url("/api/v1/labelsets?name=scans"))
        .header("X-API-Key", KEY)
        .header("Content-Type", "application/gzip")
        .body(tar_gz_of(Path::new(&pages)))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let taken = send_all_then_read(&app, "/api/v1/labelsets?name=scans", KEY).await;
    assert!(taken.starts_with("HTTP/1.1 409 Conflict\r\n"), "{taken}");
    assert!(taken.contains(r#""code":"conflict""#), "{taken}");
    assert!(
        taken.contains(r#""message":"name: a label set named \"scans\" exists already""#),
        "{taken}"
    );
    let stranger = send_all_then_read(&app, "/api/v1/datasets?name=big", "stranger-key").await;
    assert!(
        stranger.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
        "{stranger}"
    );
    assert!(stranger.contains(r#""code":"unauthorized""#), "{stranger}");
    app.cleanup().await;
}
