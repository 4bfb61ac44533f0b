//! The connection to Redis, made on first use and retried until it succeeds.
//!
//! The API starts and answers (`/healthz`, docs, 503s) while Redis is down; the first
//! request after Redis comes back connects. Once connected, the store's connection
//! manager reconnects by itself after an outage, so this only matters for a process
//! that has never reached Redis.

use tally_store::{ApiStore, StoreSettings};
use tokio::sync::OnceCell;

use crate::error::ApiError;

/// The API's store handle (reads, submit, cancel, import, schedule edits: it
/// cannot execute anything), once connected.
#[derive(Clone)]
pub struct Connected {
    pub store: ApiStore,
}

pub struct Backend {
    settings: StoreSettings,
    connected: OnceCell<Connected>,
}

impl Backend {
    pub fn new(settings: StoreSettings) -> Backend {
        Backend {
            settings,
            connected: OnceCell::new(),
        }
    }

    /// The connection; 503 while Redis cannot be reached. Concurrent first callers
    /// share one connection attempt.
    pub async fn get(&self) -> Result<&Connected, ApiError> {
        self.connected
            .get_or_try_init(|| async {
                let store = ApiStore::connect(&self.settings).await?;
                tracing::info!(redis = %self.settings.redis_url, namespace = %self.settings.namespace, "connected to the store");
                Ok::<_, ApiError>(Connected { store })
            })
            .await
    }
}
