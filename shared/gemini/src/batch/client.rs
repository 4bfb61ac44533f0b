//! `BatchClient`: the Developer API's batch endpoints over HTTP with the API key.
//! Each request line is the body an online call sends for the same record, so a
//! batch answer is read (and scored) exactly like an online one. A part over the
//! inline limit goes as a JSONL file through the Files API (`files`, `upload`) and
//! its answers come back in a responses file, downloaded once it has succeeded.

use std::time::Duration;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tally_core::contract::Secret;
use tally_core::run::BatchInput;

use super::create_body::CreateBody;
use super::operation::{BatchJob, KeyedAnswer, answers_of_jsonl};
use super::upload::UPLOAD_CHUNK;
use crate::answer::interpret;
use crate::config::{Backend, GeminiConfig};
use crate::error::FailureKind;
use crate::outcome::{Extraction, ModelFailure};
use crate::pages::Page;
use crate::pricing::PriceTable;
use crate::request::{self, DEVELOPER_REQUEST_LIMIT, Service};
use crate::settings::GenerationSettings;

/// Room left under the 20 MB limit for the batch envelope and metadata.
const ENVELOPE_ALLOWANCE: usize = 64 * 1024;

/// The most request bytes in one part. A JSONL file may hold 2 GB, but a part's
/// request lines are held in memory while it is sent (its file is made from them
/// a chunk at a time), so a worker's peak memory follows this limit; 100
/// concurrent batches of 256 MB still exceed the 20 GB of files a project may hold.
pub const PART_LIMIT: usize = 256 * 1024 * 1024;

/// One record's request in a batch: its key and the generateContent body,
/// serialised once, when the line is built. A part's JSONL file (its digest, then
/// its chunks) and its inline requests copy this text: a request is never
/// serialised again, and a part's lines take the size of their JSON.
#[derive(Debug, Clone)]
pub struct RequestLine {
    pub key: String,
    pub request: Box<RawValue>,
}

impl RequestLine {
    /// The line of `request` under `key`.
    pub fn new(key: String, request: &impl Serialize) -> Result<RequestLine, serde_json::Error> {
        Ok(RequestLine {
            key,
            request: serde_json::value::to_raw_value(request)?,
        })
    }

    /// The serialised size, counted toward the inline limit.
    pub fn bytes(&self) -> usize {
        self.request.get().len()
    }
}

/// A batch just created, and what it was created from (the service's answer does
/// not say; recorded with the batch so that an input file is deleted by name).
#[derive(Debug, Clone)]
pub struct Created {
    pub job: BatchJob,
    pub input: BatchInput,
}

/// A call that did not go through; `transient` ones are worth trying again later.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct BatchError {
    pub message: String,
    pub transient: bool,
}

impl BatchError {
    pub(super) fn fatal(message: impl Into<String>) -> Self {
        BatchError {
            message: message.into(),
            transient: false,
        }
    }
}

pub struct BatchClient {
    pub(super) http: reqwest::Client,
    /// The service's base URL (uploads and downloads have their own paths under it).
    pub(super) base: String,
    /// `{base}/v1beta`.
    pub(super) api: String,
    /// Parts whose requests are larger go as a file.
    inline_limit: usize,
    /// Bytes per upload chunk (rounded up to the service's granularity).
    pub(super) upload_chunk: usize,
    pub(super) api_key: Secret,
    /// Batch prices: every model at half its standard price unless listed.
    prices: PriceTable,
}

/// Decides where parts end, one line at a time (so that parts can be built as
/// they are sent): a line that would take its part past `limit` bytes starts the
/// next part; a single line over it is a part of its own (the service refuses it).
#[derive(Debug)]
pub struct PartSizer {
    limit: usize,
    /// Bytes in the current part; 0 before the first line.
    size: usize,
}

impl PartSizer {
    pub fn new(limit: usize) -> PartSizer {
        PartSizer { limit, size: 0 }
    }

    /// Counts a line of `bytes`; true when it starts a new part (the first line
    /// does).
    pub fn starts_part(&mut self, bytes: usize) -> bool {
        let starts = self.size == 0 || self.size + bytes > self.limit;
        if starts {
            self.size = 0;
        }
        self.size += bytes;
        starts
    }
}

impl BatchClient {
    /// `None` for Vertex AI: its batch prediction needs Cloud Storage or BigQuery.
    pub fn new(config: &GeminiConfig) -> Result<Option<BatchClient>, BatchError> {
        let Backend::Developer { api_key } = &config.backend else {
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout.max(Duration::from_secs(60)))
            .user_agent(concat!("tally/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BatchError::fatal(e.to_string()))?;
        let base = config
            .base_url
            .as_deref()
            .unwrap_or("https://generativelanguage.googleapis.com");
        Ok(Some(BatchClient {
            http,
            base: base.to_string(),
            api: format!("{base}/v1beta"),
            inline_limit: DEVELOPER_REQUEST_LIMIT - ENVELOPE_ALLOWANCE,
            upload_chunk: UPLOAD_CHUNK,
            api_key: api_key.clone(),
            prices: config.prices.batch(),
        }))
    }

    /// Sends parts whose requests exceed `limit` bytes as a file (the default is
    /// the 20 MB request limit less room for the envelope).
    pub fn with_inline_limit(mut self, limit: usize) -> BatchClient {
        self.inline_limit = limit;
        self
    }

    /// Uploads input files in chunks of `bytes` (the default is [`UPLOAD_CHUNK`]);
    /// rounded up to whole units of the granularity the service announces.
    pub fn with_upload_chunk(mut self, bytes: usize) -> BatchClient {
        self.upload_chunk = bytes;
        self
    }

    /// The request line of one record: the body an online call would send.
    pub async fn line(
        key: String,
        pages: &[Page],
        settings: &GenerationSettings,
    ) -> Result<RequestLine, String> {
        let parts = request::page_parts(pages, Service::Developer)
            .await
            .map_err(|e| e.message)?;
        let built = request::build(settings, parts).map_err(|e| e.message)?;
        RequestLine::new(key, &built).map_err(|e| e.to_string())
    }

    pub(super) async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, BatchError> {
        let response = request
            .header("x-goog-api-key", self.api_key.expose())
            .send()
            .await
            .map_err(|e| BatchError {
                message: format!("the batch call did not complete: {e}"),
                transient: true,
            })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| BatchError {
                message: format!("unreadable batch answer: {e}"),
                transient: true,
            });
        }
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| text.chars().take(200).collect());
        Err(BatchError {
            message: format!("HTTP {}: {message}", status.as_u16()),
            transient: status.as_u16() == 429 || status.as_u16() == 408 || status.is_server_error(),
        })
    }

    /// Creates a batch of `lines` for `model` (not idempotent: look it up by
    /// `display_name` with [`BatchClient::find`] before creating it again): inline
    /// when the requests fit the inline limit, else from an uploaded JSONL file.
    pub async fn create(
        &self,
        model: &str,
        display_name: &str,
        lines: &[RequestLine],
    ) -> Result<Created, BatchError> {
        let size: usize = lines.iter().map(RequestLine::bytes).sum();
        let input = if size <= self.inline_limit {
            BatchInput::Inline
        } else {
            BatchInput::File(self.input_file(display_name, lines).await?)
        };
        let body = CreateBody::new(display_name, lines, &input);
        let url = format!("{}/models/{model}:batchGenerateContent", self.api);
        let operation = self.send(self.http.post(url).json(&body)).await?;
        let job = BatchJob::from_operation(&operation).map_err(BatchError::fatal)?;
        Ok(Created { job, input })
    }

    /// The batch; once succeeded with a responses file, its answers read from it.
    pub async fn get(&self, name: &str) -> Result<BatchJob, BatchError> {
        let operation = self
            .send(self.http.get(format!("{}/{name}", self.api)))
            .await?;
        let mut job = BatchJob::from_operation(&operation).map_err(BatchError::fatal)?;
        if let Some(file) = &job.responses_file {
            let url = format!("{}/download/v1beta/{file}:download?alt=media", self.base);
            let response = self
                .http
                .get(url)
                .header("x-goog-api-key", self.api_key.expose())
                .send()
                .await
                .map_err(|e| BatchError {
                    message: format!("the responses file did not download: {e}"),
                    transient: true,
                })?;
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if !status.is_success() {
                return Err(BatchError {
                    message: format!("HTTP {}: downloading {file} failed", status.as_u16()),
                    transient: status.as_u16() == 429 || status.is_server_error(),
                });
            }
            job.answers = answers_of_jsonl(&text);
        }
        Ok(job)
    }

    /// The newest batch named `display_name`, looked up page by page.
    pub async fn find(&self, display_name: &str) -> Result<Option<BatchJob>, BatchError> {
        let mut token: Option<String> = None;
        loop {
            let mut url = format!("{}/batches?pageSize=100", self.api);
            if let Some(token) = &token {
                url.push_str(&format!("&pageToken={token}"));
            }
            let page = self.send(self.http.get(url)).await?;
            for operation in page["operations"].as_array().into_iter().flatten() {
                if operation["metadata"]["displayName"].as_str() == Some(display_name) {
                    return BatchJob::from_operation(operation)
                        .map(Some)
                        .map_err(BatchError::fatal);
                }
            }
            match page["nextPageToken"].as_str() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(None),
            }
        }
    }

    pub async fn cancel(&self, name: &str) -> Result<(), BatchError> {
        let url = format!("{}/{name}:cancel", self.api);
        self.send(self.http.post(url).json(&json!({}))).await?;
        Ok(())
    }

    /// One answer of a succeeded batch, read as an online answer is and priced at
    /// batch rates.
    pub fn extraction(
        &self,
        model: &str,
        answer: &KeyedAnswer,
    ) -> Result<Extraction, ModelFailure> {
        let failure = |kind, message, answer| ModelFailure {
            kind,
            message,
            attempts: 1,
            rate_limited: 0,
            latency: Duration::ZERO,
            answer,
        };
        let response = match answer {
            KeyedAnswer::Response(response) => response,
            KeyedAnswer::Error(message) => {
                return Err(failure(FailureKind::InvalidInput, message.clone(), None));
            }
        };
        match interpret(response, model, &self.prices) {
            Ok((reports, answer)) => Ok(Extraction {
                reports,
                answer,
                latency: Duration::ZERO,
                attempts: 1,
                rate_limited: 0,
                cached: false,
            }),
            Err(unusable) => Err(failure(
                unusable.kind,
                unusable.message,
                Some(unusable.answer),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_stay_under_the_limit_in_order() {
        let mut sizer = PartSizer::new(100);
        let starts: Vec<bool> = [40, 40, 40, 200, 10]
            .into_iter()
            .map(|bytes| sizer.starts_part(bytes))
            .collect();
        assert_eq!(starts, [true, false, true, true, true]);
    }
}
