//! `StoreCache`: the Gemini client's response cache backed by Redis, shared by every
//! worker of a namespace.
//!
//! The cache only ever saves work: when Redis cannot be read the call is made, and
//! when it cannot be written the answer is still used (both are logged).

use std::time::Duration;

use tally_gemini::{BoxFuture, ResponseCache};
use tally_store::WorkerStore;

/// How long an entry is kept by default (`TALLY_CACHE_TTL`): long enough for a
/// month of nightly runs to share answers, short enough that a model's silent
/// update is picked up.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

pub struct StoreCache {
    store: WorkerStore,
    ttl: Duration,
}

impl StoreCache {
    pub fn new(store: WorkerStore, ttl: Duration) -> StoreCache {
        StoreCache { store, ttl }
    }
}

impl ResponseCache for StoreCache {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            self.store
                .cached_response(key)
                .await
                .inspect_err(
                    |error| tracing::warn!(%error, "response cache unreadable; calling the model"),
                )
                .ok()
                .flatten()
        })
    }

    fn save<'a>(&'a self, key: &'a str, response: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            match self.store.cache_response(key, response, self.ttl).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    bytes = response.len(),
                    "answer too large for the response cache; not kept"
                ),
                Err(error) => tracing::warn!(%error, "answer not kept in the response cache"),
            }
        })
    }
}
