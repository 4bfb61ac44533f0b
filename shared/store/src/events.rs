//! Change notices: the store's scripts publish on one channel per namespace
//! (`Keys::events`) whenever a run or an experiment changes in a way a watcher
//! shows, so the API can push status to its clients from one subscription.
//!
//! A notice is only the id of what changed (`run_…` or `exp_…`); watchers read the
//! state themselves. Published by:
//! - `begin_records`: an experiment starts (once);
//! - `write_results`: progress, at most `PROGRESS_NOTICES` times per experiment
//!   (every `total / 100` results, and the last), so a large run costs a notice per
//!   percent, not per record;
//! - `finish_experiment`, `complete_run`: the final states;
//! - `cancel`: a cancel was requested.
//!
//! Pub/sub keeps nothing: a subscriber that was disconnected reads the state again
//! when it reconnects (`Notices` yields `Notice::Resync` first on every connection).

use futures::{Stream, StreamExt};

use super::connection::primary_client;
use super::{StoreError, StoreSettings};
use crate::keys::Keys;

/// Notices `write_results` publishes per experiment, at most (the Lua scripts
/// divide the total by it).
pub const PROGRESS_NOTICES: u64 = 100;

/// What a subscriber is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The run or experiment with this id changed.
    Changed(String),
    /// The subscription was (re)made: anything may have changed meanwhile.
    Resync,
}

/// A subscription to the namespace's notices on its own connection. The stream ends
/// when the connection is lost; subscribe again to go on.
pub async fn subscribe(
    settings: &StoreSettings,
) -> Result<impl Stream<Item = Notice> + Send + 'static, StoreError> {
    // Through Sentinel, `TALLY_REDIS_URL` names no server: the primary is asked for.
    let client = primary_client(settings).await?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub
        .subscribe(Keys::new(settings.namespace.clone()).events())
        .await?;
    let notices = pubsub
        .into_on_message()
        .filter_map(|message| async move { message.get_payload::<String>().ok() })
        .map(Notice::Changed);
    Ok(futures::stream::once(async { Notice::Resync }).chain(notices))
}
