//! The response cache's entries: one string per key, the response body compressed
//! with deflate (a generateContent answer is JSON text that shrinks several-fold),
//! expiring after the TTL the worker is configured with.
//!
//! Writes overwrite (a `refresh` replaces the entry) and restart the TTL; an entry is
//! never read in part, so a worker killed mid-write leaves the old entry or the new.

use std::time::Duration;

use super::compress::{deflate, inflate_to_string};
use super::{Store, StoreError, WorkerStore};

/// Compressed entries larger than this are not stored: no extraction answer comes
/// near it, and it bounds what one entry can take of Redis memory.
pub const MAX_CACHE_ENTRY: usize = 1024 * 1024;

impl Store {
    /// The response body cached under `hash`, if any.
    pub async fn cached_response(&self, hash: &str) -> Result<Option<String>, StoreError> {
        let key = self.keys.response_cache(hash);
        let compressed: Option<Vec<u8>> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut self.conn())
            .await?;
        let Some(compressed) = compressed else {
            return Ok(None);
        };
        inflate_to_string(&key, &compressed).map(Some)
    }
}

impl WorkerStore {
    /// Caches `response` under `hash` for `ttl` (at least a second), replacing any
    /// earlier entry. Returns false when the entry was too large to keep.
    pub async fn cache_response(
        &self,
        hash: &str,
        response: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let key = self.keys.response_cache(hash);
        let compressed = deflate(&key, response.as_bytes())?;
        if compressed.len() > MAX_CACHE_ENTRY {
            return Ok(false);
        }
        redis::cmd("SET")
            .arg(&key)
            .arg(compressed)
            .arg("EX")
            .arg(ttl.as_secs().max(1))
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(true)
    }
}
