//! The response cache hook: a `ResponseCache` keeps Gemini's answers between runs,
//! so a call whose request body was answered before need not be sent again.
//!
//! The key is a hash of everything that decides the answer: the backend, the model
//! and the exact request body (prompt, page images, generation settings), and for a
//! repeated trial its index, so that trial k of a second run reuses trial k of the
//! first and the trials of one run never read each other's answer. Only a
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
    /// Which of several answers to the same request this call stands for (a
    /// repeated trial's index). 0 keys as before trials existed.
    pub trial: u32,
}

/// The cache key of a call: SHA-256 (hex) of backend, model and body, then the
/// trial when it is not 0, each length-prefixed so no two different inputs hash the
/// same bytes.
pub(crate) fn cache_key(service: Service, model: &str, body: &[u8], trial: u32) -> String {
    let backend: &[u8] = match service {
        Service::Developer => b"developer",
        Service::Vertex => b"vertex",
    };
    let trial = trial.to_be_bytes();
    let parts: &[&[u8]] = if trial == [0; 4] {
        &[backend, model.as_bytes(), body]
    } else {
        &[backend, model.as_bytes(), body, &trial]
    };
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hex::encode(hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_changes_with_backend_model_body_and_trial() {
        let key = cache_key(Service::Developer, "gemini-2.5-flash", b"{}", 0);
        assert_eq!(key.len(), 64);
        assert_eq!(
            key,
            cache_key(Service::Developer, "gemini-2.5-flash", b"{}", 0)
        );
        assert_ne!(
            key,
            cache_key(Service::Vertex, "gemini-2.5-flash", b"{}", 0)
        );
        assert_ne!(
            key,
            cache_key(Service::Developer, "gemini-2.5-pro", b"{}", 0)
        );
        assert_ne!(
            key,
            cache_key(Service::Developer, "gemini-2.5-flash", b"{ }", 0)
        );
        let second = cache_key(Service::Developer, "gemini-2.5-flash", b"{}", 1);
        assert_ne!(key, second);
        assert_ne!(
            second,
            cache_key(Service::Developer, "gemini-2.5-flash", b"{}", 2)
        );
    }

    #[test]
    fn trial_zero_keeps_the_key_from_before_trials() {
        // SHA-256 of the length-prefixed backend, model and body, as stored before
        // trials existed: entries written then are still found.
        let mut hash = Sha256::new();
        for part in [&b"developer"[..], b"gemini-2.5-flash", b"{}"] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        assert_eq!(
            cache_key(Service::Developer, "gemini-2.5-flash", b"{}", 0),
            hex::encode(hash.finalize())
        );
    }
}
