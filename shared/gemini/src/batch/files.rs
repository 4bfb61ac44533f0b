//! A part's input file in the Files API: found again by its display name and
//! reused when it holds the part's bytes, otherwise uploaded (`upload`); and a
//! final (or cancelled) batch's files deleted by name, so that nothing waits 48
//! hours to expire.

use base64::Engine as _;
use serde_json::Value;
use tally_core::run::BatchInput;

use super::client::{BatchClient, BatchError, RequestLine};
use super::jsonl::{self, Digest};

/// An uploaded file as the Files API shows it.
pub(super) struct ListedFile {
    pub(super) name: String,
    size: Option<usize>,
    /// Base64 of the SHA-256 digest (or, as some answers show it, of its hex).
    sha256: Option<String>,
}

impl ListedFile {
    /// `None` without a name.
    pub(super) fn of(resource: &Value) -> Option<ListedFile> {
        Some(ListedFile {
            name: resource["name"].as_str()?.to_string(),
            size: resource["sizeBytes"].as_str().and_then(|s| s.parse().ok()),
            sha256: resource["sha256Hash"].as_str().map(str::to_string),
        })
    }

    /// Whether the file holds exactly the bytes `digest` describes.
    pub(super) fn holds(&self, digest: &Digest) -> bool {
        let base64 = base64::engine::general_purpose::STANDARD;
        let forms = [
            base64.encode(digest.sha256),
            base64.encode(hex::encode(digest.sha256)),
        ];
        self.size == Some(digest.size)
            && self
                .sha256
                .as_ref()
                .is_some_and(|hash| forms.contains(hash))
    }
}

impl BatchClient {
    /// The JSONL input of `lines` (`{"key", "request"}` lines) under `display_name`.
    /// A worker may die between uploading it and creating the batch: an uploaded
    /// file of that name with the same size and SHA-256 is reused, and any other
    /// file of that name (a stray of other content, or a copy) is deleted, so a part
    /// never leaves more than one input file behind. The size and hash are computed
    /// line by line and the upload is sent in chunks made line by line: the file is
    /// never in memory as a whole.
    pub async fn input_file(
        &self,
        display_name: &str,
        lines: &[RequestLine],
    ) -> Result<String, BatchError> {
        let digest = jsonl::digest(lines);
        let mut reused = None;
        for file in self.uploaded_files(display_name).await? {
            if reused.is_none() && file.holds(&digest) {
                tracing::info!(file = %file.name, %display_name, "reusing the input file uploaded before");
                reused = Some(file.name);
            } else {
                tracing::info!(file = %file.name, %display_name, "deleting a stray input file");
                self.delete_file(&file.name).await?;
            }
        }
        match reused {
            Some(name) => Ok(name),
            None => self.upload(display_name, lines, &digest).await,
        }
    }

    /// Deletes the files of a final (or cancelled) batch: its `input` file and the
    /// `responses_file` it generated. An input not known (`None`: a batch found
    /// again by its display name, or recorded without its input) is looked up
    /// among the files uploaded under `display_name`. Files already gone are fine;
    /// a failure is logged and left to the files' 48-hour expiry.
    pub async fn discard_files(
        &self,
        display_name: &str,
        input: Option<&BatchInput>,
        responses_file: Option<&str>,
    ) {
        let inputs = match input {
            Some(BatchInput::Inline) => Vec::new(),
            Some(BatchInput::File(name)) => vec![name.clone()],
            None => match self.uploaded_files(display_name).await {
                Ok(files) => files.into_iter().map(|f| f.name).collect(),
                Err(error) => {
                    tracing::warn!(%display_name, %error, "listing a batch's input files failed; they expire in 48 hours");
                    Vec::new()
                }
            },
        };
        for name in inputs.iter().map(String::as_str).chain(responses_file) {
            match self.delete_file(name).await {
                Ok(()) => tracing::debug!(file = %name, %display_name, "batch file deleted"),
                Err(error) => {
                    tracing::warn!(file = %name, %display_name, %error, "deleting a batch file failed; it expires in 48 hours");
                }
            }
        }
    }

    /// Uploaded files named `display_name`, looked up page by page.
    async fn uploaded_files(&self, display_name: &str) -> Result<Vec<ListedFile>, BatchError> {
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = format!("{}/files?pageSize=100", self.api);
            if let Some(token) = &token {
                url.push_str(&format!("&pageToken={token}"));
            }
            let page = self.send(self.http.get(url)).await?;
            for file in page["files"].as_array().into_iter().flatten() {
                if file["displayName"].as_str() == Some(display_name)
                    && file["source"].as_str() != Some("GENERATED")
                    && let Some(listed) = ListedFile::of(file)
                {
                    found.push(listed);
                }
            }
            match page["nextPageToken"].as_str() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(found),
            }
        }
    }

    /// Deletes a file; one already gone (Google answers 403 or 404) is fine.
    pub async fn delete_file(&self, name: &str) -> Result<(), BatchError> {
        let response = self
            .http
            .delete(format!("{}/{name}", self.api))
            .header("x-goog-api-key", self.api_key.expose())
            .send()
            .await
            .map_err(|e| BatchError {
                message: format!("deleting {name} did not complete: {e}"),
                transient: true,
            })?;
        let status = response.status().as_u16();
        if response.status().is_success() || status == 403 || status == 404 {
            return Ok(());
        }
        Err(BatchError {
            message: format!("HTTP {status}: deleting {name} failed"),
            transient: status == 429 || status >= 500,
        })
    }
}
