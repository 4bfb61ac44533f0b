//! The request log behind `GET /_emulator/requests` and the counters of
//! `GET /_emulator/stats`: every Datadog request with its status, whether a fault
//! answered it, and its body (JSON when it parses, truncated text otherwise).
//! Headers are not kept, and the value of a query parameter named like a key
//! (`api_key`, `dd-application-key`, …) is replaced, so keys never appear in it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock;
use crate::error::ApiError;
use crate::faults::Injected;
use crate::state::AppState;

/// Longest body text kept per logged request.
const BODY_CHARS: usize = 16 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub at_ms: i64,
    pub method: String,
    /// Path and query.
    pub path: String,
    pub status: u16,
    pub fault: bool,
    pub body: Value,
}

pub struct RequestLog {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: VecDeque<Entry>,
    total: u64,
    statuses: BTreeMap<u16, u64>,
}

impl RequestLog {
    pub fn new(capacity: usize) -> Self {
        RequestLog {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn push(&self, entry: Entry) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.total += 1;
        *inner.statuses.entry(entry.status).or_default() += 1;
        inner.entries.push_back(entry);
        while inner.entries.len() > self.capacity {
            inner.entries.pop_front();
        }
    }

    /// The last `limit` entries, oldest first.
    pub fn last(&self, limit: usize) -> Vec<Entry> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let skip = inner.entries.len().saturating_sub(limit);
        inner.entries.iter().skip(skip).cloned().collect()
    }

    pub fn counters(&self) -> Value {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        json!({"requests": inner.total, "statuses": inner.statuses})
    }

    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = Inner::default();
    }
}

/// The middleware: reads the body (bounded by the largest limit of any route), runs
/// the request, logs it.
pub async fn record(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let config = &state.config;
    let limit = config
        .api_max_bytes
        .max(config.intake_max_bytes)
        .max(config.upload_max_bytes);
    let (parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let path = without_keys(&parts.uri);
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let response = ApiError::payload_too_large(limit + 1, limit).into_response();
            state.log.push(Entry {
                at_ms: clock::now_ms(),
                method,
                path,
                status: response.status().as_u16(),
                fault: false,
                body: Value::Null,
            });
            return response;
        }
    };
    let logged_body = loggable(&bytes);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let fault = response.extensions().get::<Injected>().is_some();
    tracing::debug!(%method, %path, status = response.status().as_u16(), fault, "request");
    state.log.push(Entry {
        at_ms: clock::now_ms(),
        method,
        path,
        status: response.status().as_u16(),
        fault,
        body: logged_body,
    });
    response
}

/// Path and query, the value of every parameter whose name ends in `key` replaced:
/// some clients send their keys there (`?api_key=…`), and the log is readable by
/// whoever may read `/_emulator/requests`.
fn without_keys(uri: &axum::http::Uri) -> String {
    let Some(query) = uri.query() else {
        return uri.path().to_string();
    };
    let parameters: Vec<String> = query
        .split('&')
        .map(|parameter| match parameter.split_once('=') {
            Some((name, _)) if name.to_ascii_lowercase().ends_with("key") => {
                format!("{name}=redacted")
            }
            _ => parameter.to_string(),
        })
        .collect();
    format!("{}?{}", uri.path(), parameters.join("&"))
}

fn loggable(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    if bytes.len() <= BODY_CHARS
        && let Ok(value) = serde_json::from_slice::<Value>(bytes)
    {
        return value;
    }
    let text = String::from_utf8_lossy(bytes);
    Value::String(text.chars().take(BODY_CHARS).collect())
}
