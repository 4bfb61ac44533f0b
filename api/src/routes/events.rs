//! `GET /api/v1/experiments/runs/{id}/events`: the run's status as Server-Sent
//! Events — a `status` event with the current state at once and whenever it
//! changes, a `final` event with the final state, then the stream ends. A comment
//! line every `HEARTBEAT` keeps proxies and the connection's idle timeout from
//! closing a quiet stream. Each event's data is the status answer of
//! `GET …/runs/{id}` (`RunStatus` in the OpenAPI document).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;

use crate::error::ApiError;
use crate::events::Updates;
use crate::extract::{Params, run_id};
use crate::state::AppState;
use crate::status::find_run;

const HEARTBEAT: Duration = Duration::from_secs(15);

pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    params.finish()?;
    let id = run_id(&id)?;
    // An unknown run is a 404 before the stream starts.
    find_run(state.backend.get().await?, &id).await?;
    let updates = state.events.watch(&state, id).await;
    let stream = futures::stream::unfold(
        Watcher {
            updates,
            shutting_down: state.shutting_down.clone(),
            first: true,
            ended: false,
        },
        next_event,
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}

struct Watcher {
    updates: Updates,
    shutting_down: tokio::sync::watch::Receiver<bool>,
    first: bool,
    ended: bool,
}

/// The next event: the current state first (once the feed has read it), then each
/// new one; nothing after the final state, when the feed ends, or at shutdown
/// (the client falls back to polling or reconnects).
async fn next_event(mut stream: Watcher) -> Option<(Result<Event, Infallible>, Watcher)> {
    if stream.ended || *stream.shutting_down.borrow() {
        return None;
    }
    loop {
        if !stream.first {
            tokio::select! {
                changed = stream.updates.changed() => changed.ok()?,
                _ = stream.shutting_down.changed() => return None,
            }
        }
        stream.first = false;
        let current = stream.updates.borrow_and_update().clone();
        if let Some(update) = current {
            stream.ended = update.is_final;
            let kind = if update.is_final { "final" } else { "status" };
            let event = Event::default().event(kind).data(update.json.as_str());
            return Some((Ok(event), stream));
        }
    }
}
