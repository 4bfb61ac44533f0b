//! What can go wrong in a Gemini call, and what each failure means for a retry.
//!
//! `FailureKind` is the stable vocabulary of failures (its `as_str` codes are what
//! "errors by kind" counts). `classify_http` turns a non-200 response into an
//! [`AttemptError`] following the error table of the wire reference; the retry policy
//! (`retry.rs`) only looks at the resulting [`Disposition`].

use std::time::Duration;

use serde_json::Value;

use super::wire::{ErrorEnvelope, ErrorStatus};

/// Why a call failed. Stable codes via [`FailureKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// A quota 429: a per-minute quota named (`QuotaFailure`) or a server delay
    /// (`RetryInfo`); retried after the server's delay until the budget ran out.
    RateLimited,
    /// A 429 naming no quota (Vertex AI's shared pool: "Resource exhausted, please
    /// try again later"): contention at Google, not our rate; retried with backoff.
    Contention,
    /// 429 on a per-day quota: no point waiting minutes.
    DailyQuotaExhausted,
    /// 500 / 502 / 503 and other 5xx.
    ServerError,
    /// 408, 504, or no answer within the request timeout.
    Timeout,
    /// Connection refused, reset or closed mid-response.
    Connection,
    /// 400 (INVALID_ARGUMENT, FAILED_PRECONDITION) and other 4xx.
    InvalidRequest,
    /// 401, a rejected API key, or credentials that could not be obtained.
    Unauthenticated,
    /// 402: prepaid credit exhausted.
    PaymentRequired,
    /// 403.
    PermissionDenied,
    /// 404: unknown or retired model.
    NotFound,
    /// 200 whose body is not a generateContent response.
    BadResponse,
    /// `finishReason: MAX_TOKENS` with no usable answer.
    MaxTokens,
    /// The prompt was blocked (`promptFeedback.blockReason`), no candidate.
    PromptBlocked,
    /// The answer stopped for SAFETY, RECITATION, … with no usable text.
    AnswerBlocked,
    /// `finishReason: STOP` but no text.
    EmptyAnswer,
    /// The answer text is not a JSON list of reports.
    UnparsableAnswer,
    /// The inline images exceed the documented request limit; nothing was sent.
    PayloadTooLarge,
    /// A page this backend cannot take (e.g. `gs://` on the Developer API), an
    /// unreadable image, or settings the model cannot accept; nothing was sent.
    InvalidInput,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::RateLimited => "rate_limited",
            FailureKind::Contention => "contention",
            FailureKind::DailyQuotaExhausted => "daily_quota_exhausted",
            FailureKind::ServerError => "server_error",
            FailureKind::Timeout => "timeout",
            FailureKind::Connection => "connection",
            FailureKind::InvalidRequest => "invalid_request",
            FailureKind::Unauthenticated => "unauthenticated",
            FailureKind::PaymentRequired => "payment_required",
            FailureKind::PermissionDenied => "permission_denied",
            FailureKind::NotFound => "not_found",
            FailureKind::BadResponse => "bad_response",
            FailureKind::MaxTokens => "max_tokens",
            FailureKind::PromptBlocked => "prompt_blocked",
            FailureKind::AnswerBlocked => "answer_blocked",
            FailureKind::EmptyAnswer => "empty_answer",
            FailureKind::UnparsableAnswer => "unparsable_answer",
            FailureKind::PayloadTooLarge => "payload_too_large",
            FailureKind::InvalidInput => "invalid_input",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the retry policy should do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Try again; after `server_delay` when the server named one.
    Retry { server_delay: Option<Duration> },
    /// Try again once with fresh credentials (a 401 on a refreshable token).
    RefreshCredentials,
    /// Give up now.
    Fatal,
}

/// One failed attempt: its kind, a message for people, and what to do next.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptError {
    pub kind: FailureKind,
    pub message: String,
    pub disposition: Disposition,
}

impl AttemptError {
    pub fn fatal(kind: FailureKind, message: impl Into<String>) -> Self {
        AttemptError {
            kind,
            message: message.into(),
            disposition: Disposition::Fatal,
        }
    }

    pub fn retryable(kind: FailureKind, message: impl Into<String>) -> Self {
        AttemptError {
            kind,
            message: message.into(),
            disposition: Disposition::Retry { server_delay: None },
        }
    }

    /// A transport-level failure (no HTTP status): timeouts and connection trouble
    /// are retried.
    pub fn from_transport(error: &reqwest::Error) -> Self {
        let detail = error_chain(error);
        if error.is_timeout() {
            AttemptError::retryable(
                FailureKind::Timeout,
                format!("no response in time: {detail}"),
            )
        } else {
            AttemptError::retryable(
                FailureKind::Connection,
                format!("connection failed: {detail}"),
            )
        }
    }
}

/// A reqwest error with its sources, which say what actually happened
/// ("connection closed before message completed").
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The response of a failed HTTP attempt, as far as classification needs it.
pub struct HttpFailure<'a> {
    pub status: u16,
    pub retry_after: Option<&'a str>,
    pub body: &'a str,
    /// Whether a 401 may be cured by fetching a new token (Vertex).
    pub can_refresh_credentials: bool,
    pub model: &'a str,
}

/// Classifies a non-200 response following the error table of the wire reference.
pub fn classify_http(failure: &HttpFailure<'_>) -> AttemptError {
    let status = parse_error_body(failure.body);
    let google_status = if status.status.is_empty() {
        "no status"
    } else {
        &status.status
    };
    let server_message = if status.message.is_empty() {
        summarise_body(failure.body)
    } else {
        status.message.clone()
    };
    let described = format!("HTTP {} {google_status}: {server_message}", failure.status);
    let retry = |kind| {
        let server_delay = failure
            .retry_after
            .and_then(parse_retry_after)
            .or_else(|| retry_info_delay(&status.details));
        AttemptError {
            kind,
            message: described.clone(),
            disposition: Disposition::Retry { server_delay },
        }
    };
    match failure.status {
        429 if quota_ids(&status.details).any(|id| id.contains("PerDay")) => AttemptError::fatal(
            FailureKind::DailyQuotaExhausted,
            format!(
                "daily quota exhausted for {} (not retried): {described}",
                failure.model
            ),
        ),
        429 if is_quota_429(&status.details) => retry(FailureKind::RateLimited),
        // No quota named: the server's delay is only a `Retry-After` header, if any.
        429 => AttemptError {
            kind: FailureKind::Contention,
            message: described,
            disposition: Disposition::Retry {
                server_delay: failure.retry_after.and_then(parse_retry_after),
            },
        },
        408 | 504 => retry(FailureKind::Timeout),
        500..=599 => retry(FailureKind::ServerError),
        400 if error_reasons(&status.details).any(|reason| reason == "API_KEY_INVALID") => {
            AttemptError::fatal(
                FailureKind::Unauthenticated,
                format!("the API key was rejected: {described}"),
            )
        }
        401 if failure.can_refresh_credentials => AttemptError {
            kind: FailureKind::Unauthenticated,
            message: described,
            disposition: Disposition::RefreshCredentials,
        },
        401 => AttemptError::fatal(FailureKind::Unauthenticated, described),
        402 => AttemptError::fatal(FailureKind::PaymentRequired, described),
        403 => AttemptError::fatal(FailureKind::PermissionDenied, described),
        404 => AttemptError::fatal(
            FailureKind::NotFound,
            format!(
                "model {} not found (retired or misspelled?): {described}",
                failure.model
            ),
        ),
        _ => AttemptError::fatal(FailureKind::InvalidRequest, described),
    }
}

fn parse_error_body(body: &str) -> ErrorStatus {
    serde_json::from_str::<ErrorEnvelope>(body)
        .map(|envelope| envelope.error)
        .unwrap_or_default()
}

/// A short, single-line excerpt of a non-JSON error body (Google's front end answers
/// some 502s with an HTML page).
fn summarise_body(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "(empty body)".to_string();
    }
    let mut excerpt: String = flat.chars().take(200).collect();
    if excerpt.len() < flat.len() {
        excerpt.push('…');
    }
    excerpt
}

fn details_of_type<'a>(
    details: &'a [Value],
    type_suffix: &'a str,
) -> impl Iterator<Item = &'a Value> + 'a {
    details.iter().filter(move |detail| {
        detail["@type"]
            .as_str()
            .is_some_and(|t| t.ends_with(type_suffix))
    })
}

fn quota_ids(details: &[Value]) -> impl Iterator<Item = &str> {
    details_of_type(details, "google.rpc.QuotaFailure")
        .filter_map(|detail| detail["violations"].as_array())
        .flatten()
        .filter_map(|violation| violation["quotaId"].as_str())
}

/// A 429 is about our quota when it names one (`QuotaFailure`) or advises a delay
/// (`RetryInfo`); Vertex AI's shared-pool 429 carries neither.
fn is_quota_429(details: &[Value]) -> bool {
    details_of_type(details, "google.rpc.QuotaFailure")
        .chain(details_of_type(details, "google.rpc.RetryInfo"))
        .next()
        .is_some()
}

fn error_reasons(details: &[Value]) -> impl Iterator<Item = &str> {
    details_of_type(details, "google.rpc.ErrorInfo").filter_map(|detail| detail["reason"].as_str())
}

fn retry_info_delay(details: &[Value]) -> Option<Duration> {
    details_of_type(details, "google.rpc.RetryInfo")
        .find_map(|detail| detail["retryDelay"].as_str())
        .and_then(parse_proto_duration)
}

/// Protobuf JSON duration: `"19s"`, `"0.250s"`, `"1.5s"`.
pub fn parse_proto_duration(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classify(
        status: u16,
        retry_after: Option<&str>,
        body: Value,
        refresh: bool,
    ) -> AttemptError {
        let body = body.to_string();
        classify_http(&HttpFailure {
            status,
            retry_after,
            body: &body,
            can_refresh_credentials: refresh,
            model: "gemini-2.5-flash",
        })
    }

    fn quota_429(quota_id: &str, delay: &str) -> Value {
        json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
            "message": "You exceeded your current quota. Please retry in 19.42s.",
            "details": [
              {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
               "violations": [{"quotaId": quota_id}]},
              {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}]}})
    }

    #[test]
    fn rate_limits_wait_for_retry_after_first_then_retry_info() {
        let per_minute = quota_429("GenerateRequestsPerMinutePerProjectPerModel", "19s");
        let error = classify(429, None, per_minute.clone(), false);
        assert_eq!(error.kind, FailureKind::RateLimited);
        assert_eq!(
            error.disposition,
            Disposition::Retry {
                server_delay: Some(Duration::from_secs(19))
            }
        );
        let error = classify(429, Some("3"), per_minute, false);
        assert_eq!(
            error.disposition,
            Disposition::Retry {
                server_delay: Some(Duration::from_secs(3))
            }
        );
        // Vertex's shared-pool 429 names no quota: contention, plain backoff.
        let bare = json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
            "message": "Resource exhausted, please try again later.",
            "errors": [{"reason": "rateLimitExceeded"}]}});
        let error = classify(429, None, bare, false);
        assert_eq!(error.kind, FailureKind::Contention);
        assert_eq!(error.disposition, Disposition::Retry { server_delay: None });
    }

    #[test]
    fn a_per_day_quota_fails_fast() {
        let error = classify(
            429,
            None,
            quota_429("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "30s"),
            false,
        );
        assert_eq!(error.kind, FailureKind::DailyQuotaExhausted);
        assert_eq!(error.disposition, Disposition::Fatal);
        assert!(
            error
                .message
                .starts_with("daily quota exhausted for gemini-2.5-flash"),
            "{}",
            error.message
        );
    }

    #[test]
    fn every_row_of_the_error_table() {
        let body = |code: u16, status: &str| json!({"error": {"code": code, "status": status, "message": "m"}});
        let retry = Disposition::Retry { server_delay: None };
        let rows = [
            (500, "INTERNAL", FailureKind::ServerError, retry),
            (502, "", FailureKind::ServerError, retry),
            (503, "UNAVAILABLE", FailureKind::ServerError, retry),
            (504, "DEADLINE_EXCEEDED", FailureKind::Timeout, retry),
            (408, "", FailureKind::Timeout, retry),
            (
                400,
                "INVALID_ARGUMENT",
                FailureKind::InvalidRequest,
                Disposition::Fatal,
            ),
            (
                400,
                "FAILED_PRECONDITION",
                FailureKind::InvalidRequest,
                Disposition::Fatal,
            ),
            (
                401,
                "UNAUTHENTICATED",
                FailureKind::Unauthenticated,
                Disposition::Fatal,
            ),
            (402, "", FailureKind::PaymentRequired, Disposition::Fatal),
            (
                403,
                "PERMISSION_DENIED",
                FailureKind::PermissionDenied,
                Disposition::Fatal,
            ),
            (404, "NOT_FOUND", FailureKind::NotFound, Disposition::Fatal),
        ];
        for (code, status, kind, disposition) in rows {
            let error = classify(code, None, body(code, status), false);
            assert_eq!(
                (error.kind, error.disposition),
                (kind, disposition),
                "HTTP {code}"
            );
        }
        let refreshable = classify(401, None, body(401, "UNAUTHENTICATED"), true);
        assert_eq!(refreshable.disposition, Disposition::RefreshCredentials);
    }

    #[test]
    fn a_rejected_api_key_is_an_authentication_failure() {
        let body = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
            "message": "API key not valid. Please pass a valid API key.",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}});
        let error = classify(400, None, body, false);
        assert_eq!(error.kind, FailureKind::Unauthenticated);
        assert!(error.message.contains("API key not valid"));
    }

    #[test]
    fn html_error_pages_are_summarised() {
        let error = classify_http(&HttpFailure {
            status: 502,
            retry_after: None,
            body: "<!DOCTYPE html>\n<html>\n  <title>Error 502 (Server Error)!!1</title>\n</html>",
            can_refresh_credentials: false,
            model: "m",
        });
        assert_eq!(
            error.message,
            "HTTP 502 no status: <!DOCTYPE html> <html> <title>Error 502 (Server Error)!!1</title> </html>"
        );
    }

    #[test]
    fn durations_in_both_server_formats() {
        assert_eq!(parse_proto_duration("19s"), Some(Duration::from_secs(19)));
        assert_eq!(
            parse_proto_duration("0.250s"),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_proto_duration("soon"), None);
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("later"), None);
    }
}
