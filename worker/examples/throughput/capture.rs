//! The exact generateContent request tally sends for one record, captured on a
//! loopback socket: the peers' body (iii) posts these same bytes to the emulator.

use std::path::Path;

use tally_core::dataset::DatasetRecord;
use tally_gemini::{GeminiClient, GeminiConfig, GenerationSettings, Page, Secret};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Sends `record` with `settings` to a local listener and returns the request body.
pub async fn request_body(
    dataset: &Path,
    record: &DatasetRecord,
    settings: &GenerationSettings,
) -> Result<Vec<u8>, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mut config = GeminiConfig::developer(Secret::new("capture"));
    config.base_url = Some(format!("http://{address}"));
    config.retry.max_attempts = 1;
    let client = GeminiClient::new(config).map_err(|e| e.to_string())?;
    let pages = Page::of_record(dataset, record);
    let settings = settings.clone();
    let call = tokio::spawn(async move { client.extract(&pages, &settings).await.is_ok() });

    let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().map_err(|e| format!("{line}: {e}"))?;
        }
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .await
        .map_err(|e| e.to_string())?;
    reader
        .into_inner()
        .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let _ = call.await;
    Ok(body)
}
