//! The identity of a repeated submission.

/// A repeated submission is recognised by the submitter's key name and the
/// SHA-256 of its `Idempotency-Key` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub api_key_name: String,
    pub key_hash: String,
}
