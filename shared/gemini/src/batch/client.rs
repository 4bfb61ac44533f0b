//! `BatchClient`: the Developer API's batch endpoints over HTTP with the API key.
//! Each request line is the body an online call sends for the same record, so a
//! batch answer is read (and scored) exactly like an online one.

use std::time::Duration;

use serde_json::{Value, json};
use tally_core::contract::Secret;

use super::operation::{BatchJob, KeyedAnswer};
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

/// One record's request in a batch: its key and the generateContent body.
#[derive(Debug, Clone)]
pub struct RequestLine {
    pub key: String,
    pub request: Value,
    /// The serialised size, counted toward the inline limit.
    pub bytes: usize,
}

/// A call that did not go through; `transient` ones are worth trying again later.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct BatchError {
    pub message: String,
    pub transient: bool,
}

impl BatchError {
    fn fatal(message: impl Into<String>) -> Self {
        BatchError {
            message: message.into(),
            transient: false,
        }
    }
}

pub struct BatchClient {
    http: reqwest::Client,
    /// `{base}/v1beta`.
    api: String,
    api_key: Secret,
    /// Batch prices: every model at half its standard price unless listed.
    prices: PriceTable,
}

/// Splits lines into parts whose inline requests stay under the Developer API's
/// limit; a single line over it is a part of its own (the service refuses it).
pub fn split_under(lines: Vec<RequestLine>, limit: usize) -> Vec<Vec<RequestLine>> {
    let mut parts: Vec<Vec<RequestLine>> = Vec::new();
    let mut size = 0;
    for line in lines {
        if parts.is_empty() || size + line.bytes > limit {
            parts.push(Vec::new());
            size = 0;
        }
        size += line.bytes;
        if let Some(part) = parts.last_mut() {
            part.push(line);
        }
    }
    parts
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
            api: format!("{base}/v1beta"),
            api_key: api_key.clone(),
            prices: config.prices.batch(),
        }))
    }

    /// The inline limit a part must stay under.
    pub fn part_limit() -> usize {
        DEVELOPER_REQUEST_LIMIT - ENVELOPE_ALLOWANCE
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
        let request = serde_json::to_value(&built).map_err(|e| e.to_string())?;
        let bytes = request.to_string().len();
        Ok(RequestLine {
            key,
            request,
            bytes,
        })
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, BatchError> {
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
    /// `display_name` with [`BatchClient::find`] before creating it again).
    pub async fn create(
        &self,
        model: &str,
        display_name: &str,
        lines: &[RequestLine],
    ) -> Result<BatchJob, BatchError> {
        let requests: Vec<Value> = lines
            .iter()
            .map(|line| json!({"request": line.request, "metadata": {"key": line.key}}))
            .collect();
        let body = json!({"batch": {"displayName": display_name,
                                    "inputConfig": {"requests": {"requests": requests}}}});
        let url = format!("{}/models/{model}:batchGenerateContent", self.api);
        let operation = self.send(self.http.post(url).json(&body)).await?;
        BatchJob::from_operation(&operation).map_err(BatchError::fatal)
    }

    pub async fn get(&self, name: &str) -> Result<BatchJob, BatchError> {
        let operation = self
            .send(self.http.get(format!("{}/{name}", self.api)))
            .await?;
        BatchJob::from_operation(&operation).map_err(BatchError::fatal)
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

    fn line(key: &str, bytes: usize) -> RequestLine {
        RequestLine {
            key: key.to_string(),
            request: Value::Null,
            bytes,
        }
    }

    #[test]
    fn parts_stay_under_the_limit_in_order() {
        let parts = split_under(
            vec![line("a", 40), line("b", 40), line("c", 40), line("d", 200)],
            100,
        );
        let keys: Vec<Vec<&str>> = parts
            .iter()
            .map(|p| p.iter().map(|l| l.key.as_str()).collect())
            .collect();
        assert_eq!(keys, [vec!["a", "b"], vec!["c"], vec!["d"]]);
        assert!(split_under(Vec::new(), 100).is_empty());
    }
}
