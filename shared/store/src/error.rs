//! `StoreError`: what can go wrong talking to the store.

/// `Clone`: a grouped write's failure is every caller's in the group.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Redis could not be reached or refused a command (the API answers 503).
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A stored value does not parse: written by an incompatible version, or edited
    /// by hand. Names the key so an operator can look at it.
    #[error("stored value at {key} is corrupt: {message}")]
    Corrupt { key: String, message: String },
    /// A compare-and-set write kept losing to other writers of the same value.
    #[error("{key} kept changing while it was being written; try again")]
    Contended { key: String },
    /// What was about to be written would not fit in Redis's memory: refused before
    /// anything was (the API answers 422 with the numbers).
    #[error(transparent)]
    WontFit(Box<crate::footprint::WontFit>),
    /// A request handed to a worker's group-commit queue was dropped unanswered (the
    /// process is shutting down).
    #[error("a grouped store request was dropped before it was answered")]
    Unanswered,
}

/// A `Corrupt` error for the value stored at `key`.
pub(crate) fn corrupt(key: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key: key.to_string(),
        message: error.to_string(),
    }
}

/// Parses the JSON stored at `key`.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    key: &str,
    raw: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(raw).map_err(|e| corrupt(key, e))
}
