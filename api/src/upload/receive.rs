//! The request body, streamed to a file in the staging folder as it arrives; never
//! held in memory, and never longer than the archive limit
//! (`TALLY_UPLOAD_MAX_ARCHIVE_BYTES`, 413 past it).

use std::path::Path;

use axum::body::Body;
use futures::StreamExt;
use tally_daemon::serve::is_body_read_timeout;
use tokio::io::AsyncWriteExt;

use crate::error::ApiError;

/// Writes `body` to `target` (`declared`: its Content-Length); returns the number of
/// bytes received.
pub async fn receive(
    body: Body,
    declared: Option<u64>,
    target: &Path,
    limit: u64,
) -> Result<u64, ApiError> {
    let too_large = || ApiError::PayloadTooLarge {
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
    };
    // A declared length over the limit is refused before a byte is written.
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let mut file = tokio::fs::File::create(target)
        .await
        .map_err(|e| unwritable(&e))?;
    let mut stream = body.into_data_stream();
    let mut received: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if is_body_read_timeout(&e) {
                ApiError::BodyTimeout(format!("the archive did not arrive in time: {e}"))
            } else {
                ApiError::Malformed(format!("the archive could not be read: {e}"))
            }
        })?;
        received = received.saturating_add(chunk.len() as u64);
        if received > limit {
            return Err(too_large());
        }
        file.write_all(&chunk).await.map_err(|e| unwritable(&e))?;
    }
    file.flush().await.map_err(|e| unwritable(&e))?;
    if received == 0 {
        return Err(ApiError::invalid(
            "body",
            "is empty; send the archive as the request body",
        ));
    }
    Ok(received)
}

/// The data directory refused a write (full, read-only): the server's fault, logged.
pub fn unwritable(error: &std::io::Error) -> ApiError {
    ApiError::Internal(format!(
        "the data directory refused an upload's file: {error}"
    ))
}
