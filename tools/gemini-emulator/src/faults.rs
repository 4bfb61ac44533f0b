//! Injected faults: a per-model random rate for infrastructure trouble, and a
//! script of exact faults for the next requests (what tests use: deterministic).

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::config::FaultRates;
use crate::google_error::ApiError;
use crate::rng::SeededRng;
use crate::validate::Api;

/// One fault, as posted to `POST /_emulator/faults` (`{"fault": "unavailable"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// 503 UNAVAILABLE "model is overloaded", optionally with `Retry-After`.
    Unavailable {
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// 500 INTERNAL.
    Internal,
    /// 502 from the front end (HTML body).
    BadGateway,
    /// 504 DEADLINE_EXCEEDED.
    DeadlineExceeded,
    /// 408 from the front end (HTML body).
    RequestTimeout,
    /// No answer for `hang_ms`, then 504: the client's timeout fires first.
    Timeout,
    /// The connection is closed without an answer.
    Reset,
    /// 429 on the per-minute quota with RetryInfo (no details on Vertex).
    RateLimit {
        #[serde(default = "default_retry_delay_ms")]
        retry_delay_ms: u64,
    },
    /// 429 on the per-day quota.
    DailyQuota,
    /// Vertex AI's shared-pool 429 (no QuotaFailure, no RetryInfo): contention at
    /// Google, on either API.
    Contention,
    /// 402.
    PaymentRequired,
    /// 403.
    PermissionDenied,
    /// 200, no candidates, `promptFeedback.blockReason`.
    BlockedPrompt,
    /// 200, `finishReason: SAFETY`, no text.
    Safety,
    /// 200, `finishReason: MAX_TOKENS`, no answer parts.
    MaxTokens,
    /// 200 with an answer that is not valid JSON.
    MalformedJson,
}

fn default_retry_delay_ms() -> u64 {
    1000
}

/// Faults that shape a 200 answer rather than replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFault {
    BlockedPrompt,
    Safety,
    MaxTokens,
    MalformedJson,
}

/// What the request handler does about a fault.
pub enum Action {
    Fail(ApiError),
    Hang,
    Reset,
    Answer(AnswerFault),
}

impl Fault {
    pub fn action(&self, model: &str, api: Api) -> Action {
        match self {
            Fault::Unavailable { retry_after_secs } => {
                Action::Fail(ApiError::unavailable(*retry_after_secs))
            }
            Fault::Internal => Action::Fail(ApiError::internal()),
            Fault::BadGateway => Action::Fail(ApiError::bad_gateway()),
            Fault::DeadlineExceeded => Action::Fail(ApiError::deadline_exceeded()),
            Fault::RequestTimeout => Action::Fail(ApiError::request_timeout()),
            Fault::Timeout => Action::Hang,
            Fault::Reset => Action::Reset,
            Fault::RateLimit { retry_delay_ms } => Action::Fail(match api {
                Api::Developer => ApiError::quota_exceeded(
                    model,
                    "GenerateRequestsPerMinutePerProjectPerModel",
                    0,
                    *retry_delay_ms as f64 / 1000.0,
                ),
                Api::Vertex => ApiError::vertex_resource_exhausted(),
            }),
            Fault::DailyQuota => Action::Fail(ApiError::quota_exceeded(
                model,
                "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                0,
                43_200.0,
            )),
            Fault::Contention => Action::Fail(ApiError::vertex_resource_exhausted()),
            Fault::PaymentRequired => Action::Fail(ApiError::payment_required()),
            Fault::PermissionDenied => Action::Fail(ApiError::permission_denied()),
            Fault::BlockedPrompt => Action::Answer(AnswerFault::BlockedPrompt),
            Fault::Safety => Action::Answer(AnswerFault::Safety),
            Fault::MaxTokens => Action::Answer(AnswerFault::MaxTokens),
            Fault::MalformedJson => Action::Answer(AnswerFault::MalformedJson),
        }
    }
}

/// A random infrastructure fault at the model's configured rates.
pub fn random_fault(rates: &FaultRates, rng: &mut SeededRng) -> Option<Fault> {
    let draw = rng.next_f64();
    let mut threshold = 0.0;
    for (rate, fault) in [
        (
            rates.unavailable,
            Fault::Unavailable {
                retry_after_secs: None,
            },
        ),
        (rates.internal, Fault::Internal),
        (rates.contention, Fault::Contention),
        (rates.timeout, Fault::Timeout),
        (rates.reset, Fault::Reset),
    ] {
        threshold += rate;
        if draw < threshold {
            return Some(fault);
        }
    }
    None
}

#[derive(Debug, Clone, Serialize)]
struct Scripted {
    model: Option<String>,
    fault: Fault,
}

/// Faults queued for the next matching requests, in order.
#[derive(Default)]
pub struct FaultScript {
    queue: Mutex<VecDeque<Scripted>>,
}

impl FaultScript {
    pub fn push(&self, model: Option<String>, faults: Vec<Fault>) {
        let mut queue = lock(&self.queue);
        queue.extend(faults.into_iter().map(|fault| Scripted {
            model: model.clone(),
            fault,
        }));
    }

    /// The first queued fault for `model` (or for any model), removed from the queue.
    pub fn take(&self, model: &str) -> Option<Fault> {
        let mut queue = lock(&self.queue);
        let position = queue
            .iter()
            .position(|s| s.model.as_deref().is_none_or(|m| m == model))?;
        queue.remove(position).map(|s| s.fault)
    }

    /// The first fault queued for exactly `target` (faults for any model stay
    /// queued): how the Files API's upload chunks are given faults (`"upload"`).
    pub fn take_for(&self, target: &str) -> Option<Fault> {
        let mut queue = lock(&self.queue);
        let position = queue
            .iter()
            .position(|s| s.model.as_deref() == Some(target))?;
        queue.remove(position).map(|s| s.fault)
    }

    pub fn pending(&self) -> usize {
        lock(&self.queue).len()
    }

    pub fn clear(&self) {
        lock(&self.queue).clear();
    }
}

/// A poisoned lock only means a handler panicked; the data is still consistent.
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_serves_faults_in_order_per_model() {
        let script = FaultScript::default();
        let faults: Vec<Fault> = serde_json::from_str(
            r#"[{"fault": "unavailable", "retry_after_secs": 2}, {"fault": "rate_limit"}]"#,
        )
        .unwrap();
        script.push(Some("a".into()), faults);
        script.push(None, vec![Fault::Reset]);
        assert_eq!(script.take("b"), Some(Fault::Reset));
        assert_eq!(
            script.take("a"),
            Some(Fault::Unavailable {
                retry_after_secs: Some(2)
            })
        );
        assert_eq!(
            script.take("a"),
            Some(Fault::RateLimit {
                retry_delay_ms: 1000
            })
        );
        assert_eq!(script.take("a"), None);
    }

    #[test]
    fn random_faults_follow_their_rates() {
        let mut rng = SeededRng::from_u64(5);
        let rates = FaultRates {
            unavailable: 0.25,
            reset: 0.25,
            ..FaultRates::default()
        };
        let hits = (0..4000)
            .filter(|_| random_fault(&rates, &mut rng).is_some())
            .count();
        assert!((1800..2200).contains(&hits), "{hits}");
        assert_eq!(random_fault(&FaultRates::default(), &mut rng), None);
    }
}
