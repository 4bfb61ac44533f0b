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
    /// The service answered 200; `tokens` is the usage it billed (prompt + output +
    /// thinking).
    Answered { tokens: u64 },
    /// A per-minute 429; `retry_after` is the wait the service advised, if any.
    RateLimited { retry_after: Option<Duration> },
    /// Anything else (no bearing on the quota).
    Failed,
}

/// Paces the attempts of calls to one service.
pub trait CallGate: Send + Sync {
    /// Resolves when an attempt at `model` may be sent.
    fn admit<'a>(&'a self, model: &'a str) -> BoxFuture<'a, ()>;

    /// Hears how an attempt at `model` ended.
    fn report<'a>(&'a self, model: &'a str, report: AttemptReport) -> BoxFuture<'a, ()>;
}

/// What a paced call tells its gate: the model, and how to read the billed tokens
/// of a successful attempt.
pub struct Pacing<'a, T> {
    pub gate: &'a dyn CallGate,
    pub model: &'a str,
    pub tokens: fn(&T) -> u64,
}
