//! Reading requests at the edge: the body (with the size limit answered as 413 JSON),
//! query parameters (typed, every violation named, unknown parameters refused) and
//! ids in paths. Handlers past this point hold domain values only.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use tally_core::contract::FieldError;
use tally_core::run::{ExperimentId, RunId};
use tally_daemon::serve::is_body_read_timeout;

use crate::error::ApiError;
use crate::state::AppState;

/// The raw request body, at most `TALLY_BODY_LIMIT_BYTES` long.
pub struct Body(pub Bytes);

impl FromRequest<AppState> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(Body(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge {
                    limit: state.body_limit_bytes,
                })
            }
            Err(rejection) if is_body_read_timeout(&rejection) => {
                Err(ApiError::BodyTimeout(format!(
                    "the request body did not arrive in time: {}",
                    rejection.body_text()
                )))
            }
            Err(rejection) => Err(ApiError::Malformed(format!(
                "the request body could not be read: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Query parameters read one by one; violations are collected and reported together
/// by `finish`, which also refuses parameters no reader asked for (a typo like
/// `limt=5` is an error, not silently ignored).
pub struct Params {
    pairs: Vec<(String, String)>,
    known: BTreeSet<&'static str>,
    errors: Vec<FieldError>,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::invalid("query", rejection.body_text()))?;
        Ok(Params {
            pairs,
            known: BTreeSet::new(),
            errors: Vec::new(),
        })
    }
}

impl Params {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// The value of `name`, if given (once).
    pub fn text(&mut self, name: &'static str) -> Option<String> {
        self.known.insert(name);
        let mut values = self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = values.next().cloned();
        if values.next().is_some() {
            self.error(name, "must be given at most once");
            return None;
        }
        first
    }

    /// An integer in `[min, max]`, `default` when absent.
    pub fn integer(&mut self, name: &'static str, min: u64, max: u64, default: u64) -> u64 {
        let Some(text) = self.text(name) else {
            return default;
        };
        match text.parse::<u64>() {
            Ok(value) if (min..=max).contains(&value) => value,
            _ => {
                let shown: String = text.chars().take(40).collect();
                self.error(
                    name,
                    format!("must be an integer between {min} and {max}, got {shown:?}"),
                );
                default
            }
        }
    }

    /// One of `allowed`, `None` when absent.
    pub fn choice(&mut self, name: &'static str, allowed: &[&'static str]) -> Option<&'static str> {
        let text = self.text(name)?;
        match allowed.iter().find(|a| **a == text) {
            Some(found) => Some(found),
            None => {
                let shown: String = text.chars().take(40).collect();
                self.error(
                    name,
                    format!("must be one of {}, got {shown:?}", allowed.join(", ")),
                );
                None
            }
        }
    }

    /// Records a violation found by the caller while interpreting a value.
    pub fn reject(&mut self, name: &str, message: impl Into<String>) {
        self.error(name, message);
    }

    /// Ok when every parameter was known and valid; else all violations (422).
    pub fn finish(mut self) -> Result<(), ApiError> {
        let unknown: BTreeSet<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| !self.known.contains(k.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for name in unknown {
            let shown: String = name.chars().take(40).collect();
            let known: Vec<&str> = self.known.iter().copied().collect();
            let message = if known.is_empty() {
                "unknown query parameter; this route takes none".to_string()
            } else {
                format!("unknown query parameter; known: {}", known.join(", "))
            };
            self.error(&shown, message);
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.errors))
        }
    }
}

/// The most items one page holds.
pub const MAX_PAGE: u64 = 1000;
const DEFAULT_PAGE: u64 = 50;

/// `?offset=&limit=`: where a page starts and how long it is.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

impl Page {
    pub fn read(params: &mut Params) -> Page {
        Page {
            offset: params.integer("offset", 0, u32::MAX as u64, 0) as usize,
            limit: params.integer("limit", 1, MAX_PAGE, DEFAULT_PAGE) as usize,
        }
    }

    /// The offset of the next page when this one came back full.
    pub fn next_offset(&self, returned: usize) -> Option<usize> {
        (returned >= self.limit).then_some(self.offset + returned)
    }
}

/// A run id from a path; any other text names no run (404).
/// A request body that must be a JSON object (empty, invalid JSON and other JSON
/// values are 400 with what was wrong).
pub fn json_object(body: &[u8]) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Malformed(
            "request body is empty; expected a JSON object".to_string(),
        ));
    }
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::Malformed(
            "request body must be a JSON object".to_string(),
        )),
        Err(e) => Err(ApiError::Malformed(format!(
            "request body is not valid JSON: {e}"
        ))),
    }
}

pub fn run_id(text: &str) -> Result<RunId, ApiError> {
    RunId::parse(text).map_err(|reason| ApiError::not_found(format!("no such run: {reason}")))
}

/// An experiment id from a path or parameter; any other text names no experiment.
pub fn experiment_id(text: &str) -> Result<ExperimentId, ApiError> {
    ExperimentId::parse(text)
        .map_err(|reason| ApiError::not_found(format!("no such experiment: {reason}")))
}
