//! Raw request JSON → validated contract types, reporting every violation at once.
//!
//! The body is read as raw JSON text (`serde_json::value::RawValue`) and walked field
//! by field instead of being deserialized in one go, for two reasons: serde stops at
//! the first error, and we owe the client all of them; and a number is judged on its
//! exact text, so `1e400` or `99999999999999999999` is reported as sent rather than
//! failing the whole body or turning into a rounded float.
//!
//! - `json`: reading one raw JSON value as a string, number, list or object, with
//!   the type errors (`must be a number, got a string "NaN"`).
//! - `fields`: the field tables of `ExperimentRequest` and `ModelConfig`: names,
//!   defaults, which are required or nullable, and the domain value each becomes.
//!
//! An unknown field, at any depth, is not a violation but a *warning*: the clients
//! of the old service send fields it ignored, and must keep working. The warnings
//! name each such field by its path, so the API can list them in its answer.

mod fields;
mod json;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::request::{ExperimentRequest, ModelConfig};
use json::{Field, Kind};

/// One violated rule: the field's path (`model_configs[1].temperature`) and what is
/// wrong with it (`must be between 0.0 and 2.0, got 3.5`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Why a request body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not UTF-8, not JSON, or not a JSON object: nothing could be read (HTTP 400).
    #[error("{0}")]
    Malformed(String),
    /// A JSON object whose fields break the contract; every violation, in field order
    /// with repeated fields first (HTTP 422). Never empty.
    #[error("{}", render(.0))]
    Invalid(Vec<FieldError>),
}

impl RequestError {
    /// The stable code clients may branch on.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::Malformed(_) => "malformed_body",
            RequestError::Invalid(_) => "invalid_request",
        }
    }
}

/// The violations rendered one after another: `a: …; b: …`.
pub(super) fn render(errors: &[FieldError]) -> String {
    let rendered: Vec<String> = errors.iter().map(FieldError::to_string).collect();
    rendered.join("; ")
}

/// A request and the fields of its body that were ignored (unknown ones), each
/// as a `FieldError` whose message says what is known at that place.
pub(super) type Read = (ExperimentRequest, Vec<FieldError>);

pub(super) fn request_from_bytes(bytes: &[u8]) -> Result<Read, RequestError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| RequestError::Malformed(format!("request body is not valid UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Err(RequestError::Malformed(
            "request body is empty; expected a JSON object".to_string(),
        ));
    }
    let raw: &RawValue = serde_json::from_str(text)
        .map_err(|e| RequestError::Malformed(format!("request body is not valid JSON: {e}")))?;
    request_from_raw(raw)
}

pub(super) fn request_from_raw(raw: &RawValue) -> Result<Read, RequestError> {
    let kind = Kind::of(raw);
    if kind != Kind::Object {
        return Err(RequestError::Malformed(format!(
            "request body must be a JSON object, got {}",
            kind.name()
        )));
    }
    let mut problems = Problems::default();
    let request = fields::request(Field::new(String::new(), raw), &mut problems);
    let warnings = problems.take_warnings();
    let request = problems
        .into_result(request)
        .map_err(RequestError::Invalid)?;
    Ok((request, warnings))
}

/// A model configuration on its own (a stored job payload); paths are relative to it.
pub(super) fn model_config_from_raw(raw: &RawValue) -> Result<ModelConfig, Vec<FieldError>> {
    let mut problems = Problems::default();
    let config = fields::model_config(Field::new(String::new(), raw), &mut problems);
    problems.into_result(config)
}

/// The most violations (and warnings) reported one by one; a body of thousands of
/// unknown fields gets a bounded answer.
const MAX_REPORTED: usize = 100;

/// The violations and warnings found so far.
#[derive(Default)]
pub(super) struct Problems {
    reported: Vec<FieldError>,
    unreported: usize,
    warnings: Vec<FieldError>,
    unwarned: usize,
}

impl Problems {
    /// Something ignored rather than refused (an unknown field).
    pub(super) fn warn(&mut self, field: &str, message: impl Into<String>) {
        if self.warnings.len() < MAX_REPORTED {
            self.warnings.push(FieldError {
                field: field.to_string(),
                message: message.into(),
            });
        } else {
            self.unwarned += 1;
        }
    }

    /// The warnings, with a last entry counting those beyond `MAX_REPORTED`.
    fn take_warnings(&mut self) -> Vec<FieldError> {
        let mut warnings = std::mem::take(&mut self.warnings);
        if self.unwarned > 0 {
            warnings.push(FieldError {
                field: String::new(),
                message: format!("and {} more unknown fields", self.unwarned),
            });
        }
        warnings
    }

    pub(super) fn push(&mut self, field: &str, message: impl Into<String>) {
        if self.reported.len() < MAX_REPORTED {
            self.reported.push(FieldError {
                field: field.to_string(),
                message: message.into(),
            });
        } else {
            self.unreported += 1;
        }
    }

    /// The value when nothing was violated, else the violations (with a last entry
    /// counting those beyond `MAX_REPORTED`). A value is missing only where a
    /// violation was recorded, so the last arm is a guard, not an expected outcome.
    fn into_result<T>(mut self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        if self.unreported > 0 {
            self.reported.push(FieldError {
                field: String::new(),
                message: format!("and {} more violations", self.unreported),
            });
        }
        match value {
            Some(value) if self.reported.is_empty() => Ok(value),
            _ if !self.reported.is_empty() => Err(self.reported),
            _ => Err(vec![FieldError {
                field: String::new(),
                message: "could not be read".to_string(),
            }]),
        }
    }
}
