//! The response cache hook: a `ResponseCache` keeps Gemini's answers between runs,
//! so a call whose request body was answered before need not be sent again.
//!
//! The key is a hash of everything that decides the answer: the backend, the model
//! and the exact request body (prompt, page images, generation settings). Only a
//! 200 response whose answer could be read is stored: an error is never cached.
//! Where the entries live (and for how long) is the implementation's business.

use sha2::{Digest, Sha256};

use super::model::BoxFuture;
use super::request::Service;

/// Stores response bodies by key. Never fails a call: an entry that cannot be read
/// is a miss, one that cannot be written is dropped (the implementation logs why).
pub trait ResponseCache: Send + Sync {
    /// The response body stored under `key`, if any.
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>>;

    /// Stores `response` (a generateContent response body) under `key`, replacing
    /// any earlier entry.
    fn save<'a>(&'a self, key: &'a str, response: &'a str) -> BoxFuture<'a, ()>;
}

/// How one call uses the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// A stored answer may stand in for the call.
    pub read: bool,
    /// A fresh answer is stored (over any earlier one).
    pub write: bool,
}

/// The cache key of a call: SHA-256 (hex) of backend, model and body, each
/// length-prefixed so no two different triples hash the same input.
pub(crate) fn cache_key(service: Service, model: &str, body: &[u8]) -> String {
    let backend: &[u8] = match service {
        Service::Developer => b"developer",
        Service::Vertex => b"vertex",
    };
    let mut hash = Sha256::new();
    for part in [backend, model.as_bytes(), body] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hex::encode(hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_changes_with_backend_model_and_body() {
        let key = cache_key(Service::Developer, "gemini-2.5-flash", b"{}");
        assert_eq!(key.len(), 64);
        assert_eq!(
            key,
            cache_key(Service::Developer, "gemini-2.5-flash", b"{}")
        );
        assert_ne!(key, cache_key(Service::Vertex, "gemini-2.5-flash", b"{}"));
        assert_ne!(key, cache_key(Service::Developer, "gemini-2.5-pro", b"{}"));
        assert_ne!(
            key,
            cache_key(Service::Developer, "gemini-2.5-flash", b"{ }")
        );
    }
}
