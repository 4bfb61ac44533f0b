//! What introspection reports: counters per model, concurrency, and the last request
//! bodies (bounded; inline image data replaced by its digest and size).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::faults::lock;
use crate::validate::{Api, decode_bytes};

#[derive(Debug, Default, Clone, Serialize)]
pub struct ModelStats {
    pub requests: u64,
    /// HTTP status → count; `reset` connections are counted under 0.
    pub statuses: BTreeMap<u16, u64>,
    pub rate_limited: u64,
    /// The answers' times from arrival to leaving (what the latency setting governs).
    pub answered: AnswerTimes,
}

/// Milliseconds from a request's arrival to its answer leaving the handler, over the
/// answers sent (errors are answered at once and not counted).
#[derive(Debug, Default, Clone, Serialize)]
pub struct AnswerTimes {
    pub answers: u64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub total_ms: f64,
}

impl AnswerTimes {
    fn add(&mut self, ms: f64) {
        self.min_ms = if self.answers == 0 {
            ms
        } else {
            self.min_ms.min(ms)
        };
        self.max_ms = self.max_ms.max(ms);
        self.total_ms += ms;
        self.answers += 1;
    }
}

pub struct Stats {
    models: Mutex<BTreeMap<String, ModelStats>>,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    rate_limited: AtomicU64,
}

/// Counts a request as in flight until dropped (also when the client goes away).
pub struct InFlight(Arc<crate::state::AppState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Stats {
    pub fn new() -> Self {
        Stats {
            models: Mutex::new(BTreeMap::new()),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
        }
    }

    pub fn enter(state: &Arc<crate::state::AppState>, model: &str) -> InFlight {
        let stats = &state.stats;
        let now = stats.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        stats.max_in_flight.fetch_max(now, Ordering::Relaxed);
        lock(&stats.models)
            .entry(model.to_string())
            .or_default()
            .requests += 1;
        InFlight(state.clone())
    }

    pub fn finish(&self, model: &str, status: u16) {
        let mut models = lock(&self.models);
        let entry = models.entry(model.to_string()).or_default();
        *entry.statuses.entry(status).or_default() += 1;
        if status == 429 {
            entry.rate_limited += 1;
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An answer of `model` left `held` after its request arrived.
    pub fn answered(&self, model: &str, held: Duration) {
        lock(&self.models)
            .entry(model.to_string())
            .or_default()
            .answered
            .add(held.as_secs_f64() * 1000.0);
    }

    pub fn snapshot(&self) -> Value {
        json!({
            "in_flight": self.in_flight.load(Ordering::Relaxed),
            "max_in_flight": self.max_in_flight.load(Ordering::Relaxed),
            "rate_limited": self.rate_limited.load(Ordering::Relaxed),
            "models": *lock(&self.models),
        })
    }

    pub fn reset(&self) {
        lock(&self.models).clear();
        self.max_in_flight
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
        self.rate_limited.store(0, Ordering::Relaxed);
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub seq: u64,
    /// Milliseconds since the emulator started (to measure gaps between retries).
    pub at_ms: f64,
    pub api: Api,
    pub model: String,
    pub stream: bool,
    pub body: Value,
}

pub struct RequestLog {
    started: Instant,
    next_seq: AtomicU64,
    entries: Mutex<VecDeque<LoggedRequest>>,
}

impl RequestLog {
    pub fn new() -> Self {
        RequestLog {
            started: Instant::now(),
            next_seq: AtomicU64::new(1),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    pub fn record(&self, capacity: usize, api: Api, model: &str, stream: bool, body: &Value) {
        let entry = LoggedRequest {
            seq: self.next_seq.fetch_add(1, Ordering::Relaxed),
            at_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            api,
            model: model.to_string(),
            stream,
            body: redact_inline_data(body),
        };
        let mut entries = lock(&self.entries);
        entries.push_back(entry);
        while entries.len() > capacity {
            entries.pop_front();
        }
    }

    /// The last `limit` requests, oldest first.
    pub fn last(&self, limit: usize) -> Vec<LoggedRequest> {
        let entries = lock(&self.entries);
        entries
            .iter()
            .skip(entries.len().saturating_sub(limit))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

/// The body with each `inlineData.data` replaced by `sha256:<hex> (<n> bytes)`, so the
/// log stays small and still shows which image was sent.
fn redact_inline_data(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, child)| {
                    let redacted = if matches!(key.as_str(), "inlineData" | "inline_data") {
                        redact_blob(child)
                    } else {
                        redact_inline_data(child)
                    };
                    (key.clone(), redacted)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_inline_data).collect()),
        other => other.clone(),
    }
}

fn redact_blob(blob: &Value) -> Value {
    let mut blob = blob.clone();
    if let Some(Value::String(data)) = blob.get_mut("data")
        && let Some(bytes) = decode_bytes(data)
    {
        *data = format!(
            "sha256:{} ({} bytes)",
            hex::encode(Sha256::digest(&bytes)),
            bytes.len()
        );
    }
    blob
}
