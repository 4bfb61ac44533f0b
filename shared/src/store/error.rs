//! `StoreError`: what can go wrong talking to the store.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis could not be reached or refused a command (the API answers 503).
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A stored value does not parse: written by an incompatible version, or edited
    /// by hand. Names the key so an operator can look at it.
    #[error("stored value at {key} is corrupt: {message}")]
    Corrupt { key: String, message: String },
}
