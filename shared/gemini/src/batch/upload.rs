//! The Files API's resumable upload, in chunks: `start` (announcing the size)
//! answers the upload URL and the chunk granularity
//! (`X-Goog-Upload-Chunk-Granularity`: every chunk but the last a multiple of it);
//! the bytes follow as `upload` chunks at `X-Goog-Upload-Offset`, the last one
//! `upload, finalize`. A chunk interrupted (no answer, 408, 429, 5xx) is followed by
//! `query`, which says how many bytes the service holds: the chunk goes on from
//! there, or the upload reports itself finished. When the service holds something
//! else, the upload gives up with a transient error and is started anew by the
//! caller (a session never finalized leaves no file).

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use super::client::{BatchClient, BatchError, RequestLine};
use super::files::ListedFile;
use super::jsonl::{Chunks, Digest};

/// The chunk size: google-genai's (8 MiB, 32 × the 256 KiB granularity Google's
/// upload servers announce). Memory for an upload is one chunk and one line.
pub const UPLOAD_CHUNK: usize = 8 * 1024 * 1024;

/// The granularity assumed when the start answer announces none.
const DEFAULT_GRANULARITY: usize = 256 * 1024;

/// Interruptions of one chunk before the upload is given up.
const RESUMES: u32 = 4;
const FIRST_RESUME: Duration = Duration::from_millis(100);

/// Where an upload stands, as `query` (or a chunk's answer) shows it.
enum Standing {
    /// A chunk's answer may leave out the count; `query`'s carries it.
    Active {
        received: Option<usize>,
    },
    Final(Value),
}

fn upload_error(message: String, transient: bool) -> BatchError {
    BatchError { message, transient }
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `wanted` rounded up to whole units of `granularity`.
fn chunk_size(wanted: usize, granularity: usize) -> usize {
    let granularity = granularity.max(1);
    wanted.max(1).div_ceil(granularity) * granularity
}

impl BatchClient {
    /// Uploads the JSONL of `lines` (whose size and hash are `digest`) and returns
    /// the file's name once the service shows those bytes.
    pub(super) async fn upload(
        &self,
        display_name: &str,
        lines: &[RequestLine],
        digest: &Digest,
    ) -> Result<String, BatchError> {
        let (url, granularity) = self.start_upload(display_name, digest.size).await?;
        let mut chunks = Chunks::new(lines, chunk_size(self.upload_chunk, granularity));
        let mut offset = 0;
        while let Some(chunk) = chunks.next_chunk() {
            let length = chunk.len();
            let last = offset + length >= digest.size;
            if let Some(file) = self.send_chunk(&url, offset, chunk, last).await? {
                return self.checked(file, digest).await;
            }
            offset += length;
        }
        Err(BatchError::fatal(format!(
            "the upload of {display_name} ended without a file"
        )))
    }

    /// The upload URL and chunk granularity of a new upload of `size` bytes.
    async fn start_upload(
        &self,
        display_name: &str,
        size: usize,
    ) -> Result<(String, usize), BatchError> {
        let started = self
            .http
            .post(format!("{}/upload/v1beta/files", self.base))
            .header("x-goog-api-key", self.api_key.expose())
            .header("x-goog-upload-protocol", "resumable")
            .header("x-goog-upload-command", "start")
            .header("x-goog-upload-header-content-length", size.to_string())
            .header("x-goog-upload-header-content-type", "application/jsonl")
            .json(&json!({"file": {"displayName": display_name, "mimeType": "application/jsonl"}}))
            .send()
            .await
            .map_err(|e| upload_error(format!("the file upload did not start: {e}"), true))?;
        let status = started.status();
        let url = header(&started, "x-goog-upload-url").map(str::to_string);
        let granularity = header(&started, "x-goog-upload-chunk-granularity")
            .and_then(|g| g.parse().ok())
            .unwrap_or(DEFAULT_GRANULARITY);
        match url.filter(|_| status.is_success()) {
            Some(url) => Ok((url, granularity)),
            None => {
                let text = started.text().await.unwrap_or_default();
                Err(upload_error(
                    format!(
                        "HTTP {}: the file upload was not started: {}",
                        status.as_u16(),
                        text.chars().take(200).collect::<String>()
                    ),
                    status.as_u16() == 429 || status.is_server_error(),
                ))
            }
        }
    }

    /// Sends the chunk at `offset` (finalizing with the `last` one); resumes it
    /// after an interruption from what the service says it holds. The file once
    /// finalized.
    async fn send_chunk(
        &self,
        url: &str,
        offset: usize,
        chunk: Bytes,
        last: bool,
    ) -> Result<Option<Value>, BatchError> {
        let command = if last { "upload, finalize" } else { "upload" };
        let end = offset + chunk.len();
        // Bytes of this chunk the service holds.
        let mut held = 0;
        let mut delay = FIRST_RESUME;
        let mut interruptions = 0;
        loop {
            let sent = self
                .http
                .post(url)
                .header("x-goog-api-key", self.api_key.expose())
                .header("x-goog-upload-command", command)
                .header("x-goog-upload-offset", (offset + held).to_string())
                .body(chunk.slice(held..))
                .send()
                .await;
            let interruption = match sent {
                Ok(response) if response.status().is_success() => {
                    match self.standing(response).await {
                        Ok(Standing::Final(file)) => return Ok(Some(file)),
                        Ok(Standing::Active { .. }) if !last => return Ok(None),
                        Ok(Standing::Active { received }) => {
                            return Err(BatchError::fatal(format!(
                                "the last chunk left the upload open ({received:?} bytes received)"
                            )));
                        }
                        Err(error) => error.message,
                    }
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap_or_default();
                    let message = format!(
                        "HTTP {status}: an upload chunk was refused: {}",
                        text.chars().take(200).collect::<String>()
                    );
                    if !(status == 408 || status == 429 || status >= 500) {
                        return Err(BatchError::fatal(message));
                    }
                    message
                }
                Err(error) => format!("an upload chunk did not complete: {error}"),
            };
            interruptions += 1;
            if interruptions > RESUMES {
                return Err(upload_error(
                    format!(
                        "the upload was interrupted {interruptions} times; it starts over: {interruption}"
                    ),
                    true,
                ));
            }
            tracing::warn!(offset, %interruption, "an upload chunk was interrupted; asking where the upload stands");
            tokio::time::sleep(delay).await;
            delay *= 2;
            match self.query_upload(url).await? {
                Standing::Final(file) if last => return Ok(Some(file)),
                Standing::Active {
                    received: Some(received),
                } if (offset..=end).contains(&received) => {
                    held = received - offset;
                    if held == chunk.len() && !last {
                        return Ok(None);
                    }
                }
                Standing::Active { received } => {
                    return Err(upload_error(
                        format!(
                            "the service holds {received:?} bytes of the upload, not {offset} to {end}; it starts over"
                        ),
                        true,
                    ));
                }
                Standing::Final(_) => {
                    return Err(upload_error(
                        format!(
                            "the upload was finalized before its last chunk (at {offset}); it starts over"
                        ),
                        true,
                    ));
                }
            }
        }
    }

    /// `X-Goog-Upload-Command: query`: where the upload stands.
    async fn query_upload(&self, url: &str) -> Result<Standing, BatchError> {
        let response = self
            .http
            .post(url)
            .header("x-goog-api-key", self.api_key.expose())
            .header("x-goog-upload-command", "query")
            .send()
            .await
            .map_err(|e| {
                upload_error(format!("asking where an upload stands failed: {e}"), true)
            })?;
        if !response.status().is_success() {
            let status = response.status().as_u16();
            return Err(upload_error(
                format!("HTTP {status}: asking where an upload stands failed; it starts over"),
                true,
            ));
        }
        match self.standing(response).await? {
            Standing::Active { received: None } => Err(upload_error(
                "the answer to query does not say how many bytes arrived; the upload starts over"
                    .to_string(),
                true,
            )),
            standing => Ok(standing),
        }
    }

    /// An upload answer read: `X-Goog-Upload-Status` and the bytes received, or
    /// the file.
    async fn standing(&self, response: reqwest::Response) -> Result<Standing, BatchError> {
        let status = header(&response, "x-goog-upload-status").map(str::to_string);
        let received =
            header(&response, "x-goog-upload-size-received").and_then(|r| r.parse::<usize>().ok());
        let unreadable =
            |what: String| upload_error(format!("unreadable upload answer: {what}"), true);
        match (status.as_deref(), received) {
            (Some("final"), _) => {
                let body: Value = response
                    .json()
                    .await
                    .map_err(|e| unreadable(e.to_string()))?;
                Ok(Standing::Final(body["file"].clone()))
            }
            (Some("active"), received) => Ok(Standing::Active { received }),
            (status, _) => Err(unreadable(format!(
                "status {status:?}, {received:?} bytes received"
            ))),
        }
    }

    /// The finalized file's name, once its size and SHA-256 are the ones sent; a
    /// file with other bytes is deleted and the upload reported as failed (to be
    /// made again).
    async fn checked(&self, file: Value, digest: &Digest) -> Result<String, BatchError> {
        let Some(listed) = ListedFile::of(&file) else {
            return Err(BatchError::fatal("the uploaded file has no name"));
        };
        if listed.holds(digest) {
            return Ok(listed.name);
        }
        self.delete_file(&listed.name).await?;
        Err(upload_error(
            format!(
                "the uploaded file {} does not hold the bytes sent; it was deleted",
                listed.name
            ),
            true,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_whole_units_of_the_granularity() {
        assert_eq!(chunk_size(UPLOAD_CHUNK, DEFAULT_GRANULARITY), UPLOAD_CHUNK);
        assert_eq!(chunk_size(100, DEFAULT_GRANULARITY), DEFAULT_GRANULARITY);
        assert_eq!(
            chunk_size(300_000, DEFAULT_GRANULARITY),
            2 * DEFAULT_GRANULARITY
        );
        assert_eq!(chunk_size(5, 0), 5);
    }
}
