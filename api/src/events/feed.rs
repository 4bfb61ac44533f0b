//! One watched run's feed: reads the status when a notice concerns the run, sends
//! it to the run's clients when it changed, ends after the final state or when the
//! last client has gone.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tally_core::run::RunId;
use tally_store::events::Notice;
use tokio::sync::{broadcast, watch};

use super::Update;
use crate::error::ApiError;
use crate::state::AppState;
use crate::status::run_status_answer;

/// Re-read at least this often while clients watch: what no notice announces (a
/// stall, a daily quota wait, progress between two notices of a large experiment)
/// still reaches them.
const REFRESH: Duration = Duration::from_secs(2);
/// Notices arriving within this much of each other cost one read.
const COALESCE: Duration = Duration::from_millis(50);
/// After a failed read (Redis down), wait this long before the next.
const RETRY: Duration = Duration::from_secs(1);

pub(super) async fn run(
    state: AppState,
    run: RunId,
    sender: Arc<watch::Sender<Option<Arc<Update>>>>,
    mut notices: broadcast::Receiver<Notice>,
) {
    let mut ids = HashSet::from([run.to_string()]);
    let mut last = String::new();
    loop {
        let pause = match read(&state, &run, &mut ids).await {
            Ok(update) => {
                let is_final = update.is_final;
                if update.json != last {
                    last.clone_from(&update.json);
                    sender.send_replace(Some(Arc::new(update)));
                }
                if is_final {
                    state.events.leave(&run, &sender, true);
                    return;
                }
                REFRESH
            }
            // Retired while watched: the clients' streams end without a final state.
            Err(ApiError::NotFound { .. }) => {
                state.events.leave(&run, &sender, true);
                return;
            }
            Err(error) => {
                tracing::debug!(run_id = %run, %error, "run status for its watchers");
                RETRY
            }
        };
        tokio::select! {
            () = sender.closed() => {
                if state.events.leave(&run, &sender, false) {
                    return;
                }
            }
            () = tokio::time::sleep(pause) => {}
            () = concerning(&mut notices, &ids) => {
                tokio::time::sleep(COALESCE).await;
            }
        }
    }
}

/// The run's status as an update; `ids` learns the run's experiments.
async fn read(
    state: &AppState,
    run: &RunId,
    ids: &mut HashSet<String>,
) -> Result<Update, ApiError> {
    let view = run_status_answer(state, run).await?;
    ids.extend(view.experiments.iter().map(|e| e.experiment_id.clone()));
    let json = serde_json::to_string(&view)
        .map_err(|e| ApiError::Internal(format!("run status as JSON: {e}")))?;
    Ok(Update {
        json,
        is_final: view.status.is_final(),
    })
}

/// Returns at the next notice about one of `ids`, or when notices may have been
/// missed (a lagging receiver, a new subscription): either way, read again.
async fn concerning(notices: &mut broadcast::Receiver<Notice>, ids: &HashSet<String>) {
    loop {
        match notices.recv().await {
            Ok(Notice::Changed(id)) if !ids.contains(&id) => continue,
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => return,
            // The hub never ends; should it, the refresh keeps the feed going.
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}
