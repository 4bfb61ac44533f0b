//! The pacing hook of the retry policy: a `CallGate` is asked before every attempt
//! and told how each attempt ended, so a shared rate limiter can hold calls back
//! instead of letting them collect 429s, and can learn from the 429s that still come.
//!
//! The gate only paces; whether and when to retry stays the retry policy's decision
//! (`retry.rs`). Time spent waiting at the gate does not count against the policy's
//! retry budget: it is queueing for the quota, not a failing call.

use std::time::Duration;

use super::model::BoxFuture;

/// How one attempt ended, as far as pacing is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptReport {
    /// The service answered 200; `input_tokens` is its `promptTokenCount`, what the
    /// input-token quota counted.
    Answered { input_tokens: u64 },
    /// A quota 429 (a `QuotaFailure` naming a per-minute quota); `retry_after` is the
    /// wait the service advised, if any.
    QuotaExceeded { retry_after: Option<Duration> },
    /// A 429 naming a per-day quota: the model's requests per day are used up.
    DailyQuotaExceeded,
    /// Anything else, contention 429s and 503s included: no bearing on our quota.
    Failed,
}

/// Paces the attempts of calls to one service.
pub trait CallGate: Send + Sync {
    /// Resolves when an attempt at `model`, estimated at `input_tokens`, may be sent,
    /// with the tokens it reserved (handed back to `report`).
    fn admit<'a>(&'a self, model: &'a str, input_tokens: u64) -> BoxFuture<'a, u64>;

    /// Hears how an attempt at `model` that reserved `reserved` tokens ended.
    fn report<'a>(
        &'a self,
        model: &'a str,
        reserved: u64,
        report: AttemptReport,
    ) -> BoxFuture<'a, ()>;
}

/// What a paced call tells its gate: the model, the call's estimated input tokens,
/// and how to read the measured input tokens of a successful attempt.
pub struct Pacing<'a, T> {
    pub gate: &'a dyn CallGate,
    pub model: &'a str,
    pub estimated_input_tokens: u64,
    pub input_tokens: fn(&T) -> u64,
}
