//! The response cache's entries: one string per key, the response body compressed
//! with deflate (a generateContent answer is JSON text that shrinks several-fold),
//! expiring after the TTL the worker is configured with.
//!
//! Writes overwrite (a `refresh` replaces the entry) and restart the TTL; an entry is
//! never read in part, so a worker killed mid-write leaves the old entry or the new.

use std::io::{Read, Write};
use std::time::Duration;

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use super::error::corrupt;
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
        let mut text = String::new();
        DeflateDecoder::new(compressed.as_slice())
            .read_to_string(&mut text)
            .map_err(|e| corrupt(&key, e))?;
        Ok(Some(text))
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
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        // Writing into a Vec cannot fail for lack of space; an error here would be
        // the encoder's own, reported as a corrupt value rather than a panic.
        let compressed = encoder
            .write_all(response.as_bytes())
            .and_then(|()| encoder.finish())
            .map_err(|e| corrupt(&key, e))?;
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
