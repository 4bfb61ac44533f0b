//! A failed Datadog call, and whether it is worth trying again.

/// What went wrong talking to Datadog. Never carries a key: bodies are Datadog's
/// error text, which names no credential.
#[derive(Debug, thiserror::Error)]
pub enum DatadogError {
    /// No answer (connection refused, timeout, broken body).
    #[error("Datadog unreachable: {0}")]
    Transport(String),
    /// An answer other than the expected success.
    #[error("Datadog answered {status} to {what}: {detail}")]
    Status {
        status: u16,
        what: &'static str,
        detail: String,
    },
    /// A success whose body lacks what the call reads from it.
    #[error("unexpected Datadog answer to {what}: {detail}")]
    Answer { what: &'static str, detail: String },
}

impl DatadogError {
    /// As ddtrace decides: 408, 429, 5xx and no answer at all are worth a retry;
    /// any other answer will be the same next time.
    pub fn is_retryable(&self) -> bool {
        match self {
            DatadogError::Transport(_) => true,
            DatadogError::Status { status, .. } => {
                *status == 408 || *status == 429 || *status >= 500
            }
            DatadogError::Answer { .. } => false,
        }
    }
}

impl From<reqwest::Error> for DatadogError {
    fn from(error: reqwest::Error) -> Self {
        // reqwest's text names the URL, never a header: no key leaks through it.
        DatadogError::Transport(error.without_url().to_string())
    }
}
