//! `AppState`: what every handler may use — the (lazily connected) store and queues,
//! the public URLs, the data directory, the API keys, metrics and limits.

use std::sync::Arc;
use std::time::Duration;

use tally_core::dataset::DataDir;
use tally_core::run::PublicUrls;
use tokio::sync::watch;

use crate::backend::Backend;
use crate::metrics::Metrics;
use crate::settings::ApiKeys;
use crate::store_watch::StoreWatch;

#[derive(Clone)]
pub struct AppState {
    pub backend: Arc<Backend>,
    /// The store's condition (probed at most once a second) and since when it has
    /// refused writes.
    pub store_watch: Arc<StoreWatch>,
    pub urls: PublicUrls,
    pub data_dir: DataDir,
    pub api_keys: Arc<ApiKeys>,
    pub metrics: Metrics,
    pub body_limit_bytes: usize,
    pub run_max_wait: Duration,
    /// The server's Datadog settings: with keys, final runs are exported and
    /// datasets move to and from Datadog.
    pub datadog: tally_datadog::DatadogSettings,
    /// `TALLY_WEBHOOK_ALLOW_PRIVATE`: webhooks may point at internal addresses.
    pub webhook_allow_private: bool,
    /// Turns true when the server begins to shut down: waiting `/run` requests answer
    /// 202 at once instead of holding the shutdown up.
    pub shutting_down: watch::Receiver<bool>,
}
