//! `AppState`: what every handler may use — the (lazily connected) store and queues,
//! the public URLs, the data directory, the API keys, metrics and limits.

use std::sync::Arc;
use std::time::Duration;

use tally_core::dataset::DataDir;
use tally_core::run::PublicUrls;
use tokio::sync::watch;

use crate::backend::Backend;
use crate::events::Events;
use crate::metrics::Metrics;
use crate::settings::ApiKeys;
use crate::store_watch::StoreWatch;
use crate::upload::UploadLimits;

/// Cloned for every request by each layer and extractor that takes it, so a clone is
/// one reference count (a profile of the status route under load found field-by-field
/// clones and drops at ~5 % of the API's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub backend: Arc<Backend>,
    /// The store's condition (probed at most once a second) and since when it has
    /// refused writes.
    pub store_watch: Arc<StoreWatch>,
    /// The one subscription to the store's change notices and the runs watched
    /// through `…/runs/{id}/events`.
    pub events: Arc<Events>,
    pub urls: PublicUrls,
    pub data_dir: DataDir,
    pub api_keys: Arc<ApiKeys>,
    pub metrics: Metrics,
    pub body_limit_bytes: usize,
    /// How much one dataset upload may hold.
    pub upload_limits: UploadLimits,
    pub run_max_wait: Duration,
    /// `TALLY_LABEL_LEASE_SECONDS`: how long a labeller holds a record.
    pub label_lease: Duration,
    /// The server's Datadog settings: with keys, final runs are exported and
    /// datasets move to and from Datadog.
    pub datadog: tally_datadog::DatadogSettings,
    /// `TALLY_WEBHOOK_ALLOW_PRIVATE`: webhooks may point at internal addresses.
    pub webhook_allow_private: bool,
    /// Batch execution is refused (422 on `execution`): the workers call Vertex AI.
    pub vertex_backend: bool,
    /// Turns true when the server begins to shut down: waiting `/run` requests answer
    /// 202 at once instead of holding the shutdown up.
    pub shutting_down: watch::Receiver<bool>,
}
