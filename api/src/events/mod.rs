//! Live run status for `GET …/runs/{id}/events`, from one Redis subscription per
//! process however many clients watch.
//!
//! - The *hub* (started on the first watcher) holds the one subscription to the
//!   store's change notices (`tally_store::events`) and hands every notice to a
//!   broadcast channel, resubscribing with a backoff when the connection drops.
//! - A *feed* per watched run (`feed`) reads the run's status when a notice names
//!   the run or one of its experiments, and publishes it to its clients through a
//!   `watch` channel: N clients of one run cost one read per change, and a slow
//!   client skips to the latest state. The feed ends after the final state, or
//!   when its last client leaves.
//! - The *cache* (`cache`) keeps each polled run's status answer for
//!   `GET …/runs/{id}` between the notices the hub hands it.

pub mod cache;
mod feed;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use tally_core::run::RunId;
use tally_store::StoreSettings;
use tally_store::events::{Notice, subscribe};
use tally_store::store_backoff::{Delays, StoreBackoff};
use tokio::sync::{OnceCell, broadcast, watch};

use self::cache::StatusCache;
use crate::state::AppState;

/// Notices a feed may fall behind by before it is told it lagged (and re-reads).
const NOTICE_BUFFER: usize = 1024;

/// One state of a run as its clients receive it: the status answer, as JSON.
#[derive(Debug)]
pub struct Update {
    pub json: String,
    /// The run is final: this is the last update.
    pub is_final: bool,
}

/// What a client holds: the run's latest update (`None` until the first read).
pub type Updates = watch::Receiver<Option<Arc<Update>>>;

type Feeds = HashMap<RunId, Arc<watch::Sender<Option<Arc<Update>>>>>;

pub struct Events {
    settings: StoreSettings,
    notices: broadcast::Sender<Notice>,
    hub: OnceCell<()>,
    feeds: Mutex<Feeds>,
    /// Polled runs' answers, valid while the hub's subscription is live.
    pub cache: Arc<StatusCache>,
}

impl Events {
    /// `cache_max_age`: the oldest status answer the cache serves (zero: none).
    pub fn new(settings: StoreSettings, cache_max_age: Duration) -> Events {
        Events {
            settings,
            notices: broadcast::channel(NOTICE_BUFFER).0,
            hub: OnceCell::new(),
            feeds: Mutex::new(HashMap::new()),
            cache: Arc::new(StatusCache::new(cache_max_age)),
        }
    }

    /// Starts the hub, once.
    pub async fn start(&self) {
        self.hub
            .get_or_init(|| async {
                tokio::spawn(hub(
                    self.settings.clone(),
                    self.notices.clone(),
                    self.cache.clone(),
                ));
            })
            .await;
    }

    /// The updates of `run`: joins its feed, or starts one (and the hub, once).
    pub async fn watch(&self, state: &AppState, run: RunId) -> Updates {
        self.start().await;
        let mut feeds = self.feeds();
        if let Some(sender) = feeds.get(&run) {
            return sender.subscribe();
        }
        let sender = Arc::new(watch::Sender::new(None));
        let updates = sender.subscribe();
        feeds.insert(run.clone(), sender.clone());
        tokio::spawn(feed::run(
            state.clone(),
            run,
            sender,
            self.notices.subscribe(),
        ));
        updates
    }

    /// Removes the feed of `run` when it has no client left (or `force`, after the
    /// final state): decided under the lock `watch` takes, so no client joins a
    /// feed that is ending. Returns whether the feed ends.
    fn leave(
        &self,
        run: &RunId,
        sender: &Arc<watch::Sender<Option<Arc<Update>>>>,
        force: bool,
    ) -> bool {
        let mut feeds = self.feeds();
        if !force && sender.receiver_count() > 0 {
            return false;
        }
        if feeds
            .get(run)
            .is_some_and(|current| Arc::ptr_eq(current, sender))
        {
            feeds.remove(run);
        }
        true
    }

    fn feeds(&self) -> MutexGuard<'_, Feeds> {
        self.feeds.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The process's one subscription: every notice to the broadcast, for as long as
/// the process lives. A new connection starts with `Notice::Resync`, so feeds
/// re-read whatever changed while it was down. The cache hears each notice first,
/// and stops serving while there is no subscription.
async fn hub(settings: StoreSettings, notices: broadcast::Sender<Notice>, cache: Arc<StatusCache>) {
    let backoff = StoreBackoff::new("event subscription", Delays::STORE);
    loop {
        match subscribe(&settings).await {
            Ok(stream) => {
                backoff.succeeded();
                let mut stream = std::pin::pin!(stream);
                while let Some(notice) = stream.next().await {
                    cache.notice(&notice);
                    // No feed listening is fine: the notice concerned nobody.
                    let _ = notices.send(notice);
                }
                cache.lost();
                tokio::time::sleep(backoff.failed(&"the subscription was closed")).await;
            }
            Err(error) => tokio::time::sleep(backoff.failed(&error)).await,
        }
    }
}
