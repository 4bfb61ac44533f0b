//! A small client of the tally HTTP API, for the commands that talk to a server.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tally_core::contract::ErrorBody;

/// Where the API is and how to authenticate (flags, or `TALLY_API_URL` / `TALLY_API_KEY`).
#[derive(Debug, Clone, clap::Args)]
pub struct Connection {
    /// Base URL of tally-api.
    #[arg(long, env = "TALLY_API_URL", default_value = "http://localhost:8000")]
    pub api_url: String,
    /// An API key (one of the server's TALLY_API_KEYS).
    #[arg(long, env = "TALLY_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("cannot reach {url}: {message}")]
    Unreachable { url: String, message: String },
    /// The server's error body, with every field detail on its own line.
    #[error("{status} {code}: {message}{details}")]
    Refused {
        status: u16,
        code: String,
        message: String,
        details: String,
    },
    #[error("unexpected answer from {url}: {message}")]
    BadAnswer { url: String, message: String },
}

/// The longest an upload may take, sending included.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

pub struct Api {
    base: String,
    key: Option<String>,
    http: reqwest::blocking::Client,
}

impl Api {
    pub fn new(connection: &Connection) -> Result<Api, ApiError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| ApiError::Unreachable {
                url: connection.api_url.clone(),
                message: e.to_string(),
            })?;
        Ok(Api {
            base: connection.api_url.trim_end_matches('/').to_string(),
            key: connection.api_key.clone(),
            http,
        })
    }

    /// GETs `path` and reads the answer as `T`, one of `tally_core::contract`'s types.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.send(self.http.get(self.url(path)), path)
    }

    pub fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Result<T, ApiError> {
        let mut request = self.http.post(self.url(path)).json(body);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request, path)
    }

    /// Opens the Server-Sent Events stream at `path`, read for at most `timeout`;
    /// an error when the server answers anything but a stream.
    pub fn event_stream(
        &self,
        path: &str,
        timeout: Duration,
    ) -> Result<reqwest::blocking::Response, ApiError> {
        let url = self.url(path);
        let mut request = self
            .http
            .get(&url)
            .header("Accept", "text/event-stream")
            .timeout(timeout);
        if let Some(key) = &self.key {
            request = request.header("X-API-Key", key);
        }
        let response = request.send().map_err(|e| ApiError::Unreachable {
            url: url.clone(),
            message: e.to_string(),
        })?;
        let is_stream = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !response.status().is_success() || !is_stream {
            return Err(ApiError::BadAnswer {
                url,
                message: format!("HTTP {} without an event stream", response.status()),
            });
        }
        Ok(response)
    }

    /// POSTs `body` (`size` bytes of `content_type`) to `path`: an upload, which may
    /// take far longer than an ordinary call. The answer is taken as soon as it
    /// comes, even while the body is still being sent: a server refusing an upload
    /// before reading it (a taken name, an archive over its limit) answers at once
    /// and may stop reading, and the blocking client, which reads an answer only
    /// once the body is sent, would report the broken connection instead. So the
    /// upload goes through the async client, on a runtime of its own.
    pub fn upload<T, B>(
        &self,
        path: &str,
        content_type: &str,
        body: B,
        size: u64,
    ) -> Result<T, ApiError>
    where
        T: DeserializeOwned,
        B: http_body::Body<Data = bytes::Bytes> + Send + Sync + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let url = self.url(path);
        let unreachable = |message: String| ApiError::Unreachable {
            url: url.clone(),
            message,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        runtime.block_on(async {
            let http = reqwest::Client::builder()
                .timeout(UPLOAD_TIMEOUT)
                .build()
                .map_err(|e| unreachable(e.to_string()))?;
            let mut request = http
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .header(reqwest::header::CONTENT_LENGTH, size)
                .body(reqwest::Body::wrap(body));
            if let Some(key) = &self.key {
                request = request.header("X-API-Key", key);
            }
            let response = request
                .send()
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            let status = response.status();
            let text = response.text().await.map_err(|e| ApiError::BadAnswer {
                url: url.clone(),
                message: e.to_string(),
            })?;
            answer(&url, status, &text)
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
        path: &str,
    ) -> Result<T, ApiError> {
        let url = self.url(path);
        let request = match &self.key {
            Some(key) => request.header("X-API-Key", key),
            None => request,
        };
        let response = request.send().map_err(|e| ApiError::Unreachable {
            url: url.clone(),
            message: e.to_string(),
        })?;
        let status = response.status();
        let text = response.text().map_err(|e| ApiError::BadAnswer {
            url: url.clone(),
            message: e.to_string(),
        })?;
        answer(&url, status, &text)
    }
}

/// The API's answer `text` (with `status`, from `url`) as `T`, or the server's
/// error body as [`ApiError::Refused`].
fn answer<T: DeserializeOwned>(
    url: &str,
    status: reqwest::StatusCode,
    text: &str,
) -> Result<T, ApiError> {
    if status.is_success() {
        return serde_json::from_str(text).map_err(|e| ApiError::BadAnswer {
            url: url.to_string(),
            message: format!("HTTP {status}: {e}: {}", excerpt(text)),
        });
    }
    let body: ErrorBody = serde_json::from_str(text).map_err(|_| ApiError::BadAnswer {
        url: url.to_string(),
        message: format!(
            "HTTP {status} with a body that is not an error answer: {}",
            excerpt(text)
        ),
    })?;
    let error = body.error;
    Err(ApiError::Refused {
        status: status.as_u16(),
        code: error.code,
        message: error.message,
        details: error
            .details
            .iter()
            .map(|d| format!("\n  - {}: {}", d.field, d.message))
            .collect(),
    })
}

fn excerpt(text: &str) -> String {
    text.chars().take(200).collect()
}
