//! What an extraction call returns: the reports and everything measured on the way,
//! or a failure with its kind.

use std::fmt;
use std::time::Duration;

use tally_core::extraction::Report;

use super::error::FailureKind;

/// Token counts of one call, from `usageMetadata`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub candidates_tokens: u64,
    pub thoughts_tokens: u64,
    /// Prompt tokens served from the cache (`cachedContentTokenCount`), part of
    /// `prompt_tokens`, billed at the cached rate.
    pub cached_tokens: u64,
}

/// What the model answered, successful or not.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The answer text (thought parts excluded), as received.
    pub raw_text: String,
    pub finish_reason: Option<String>,
    /// The model that really answered: providers reroute retired ids silently.
    pub model_version: Option<String>,
    pub usage: Usage,
    /// USD; `None` when the model has no listed price.
    pub cost_usd: Option<f64>,
    /// Answered by gemini-emulator, not Gemini (its `responseId` starts with
    /// [`EMULATED_RESPONSE_ID_PREFIX`]).
    pub emulated: bool,
}

/// The `responseId` prefix gemini-emulator gives every answer.
pub const EMULATED_RESPONSE_ID_PREFIX: &str = "emulated-";

/// A successful extraction.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    pub reports: Vec<Report>,
    pub answer: Answer,
    /// From the start of the call to the parsed answer, retries and waits included.
    pub latency: Duration,
    pub attempts: u32,
    /// Of the attempts, how many were answered 429.
    pub rate_limited: u32,
    /// Answered from the response cache: no call was sent (`attempts` is 0) and the
    /// answer's usage and cost are those of the call that first got it.
    pub cached: bool,
}

/// A failed extraction: why, and what was spent on it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFailure {
    pub kind: FailureKind,
    /// For people: names the cause (HTTP status, Google's message, the parse error).
    pub message: String,
    /// 0 when the call failed before anything was sent.
    pub attempts: u32,
    /// Of the attempts, how many were answered 429.
    pub rate_limited: u32,
    pub latency: Duration,
    /// The answer, when the model did answer (MAX_TOKENS, blocked, unparsable), so
    /// its tokens and cost are still counted.
    pub answer: Option<Box<Answer>>,
}

impl fmt::Display for ModelFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for ModelFailure {}
