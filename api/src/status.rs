//! A run's status answer, assembled from the store: what `GET …/runs/{id}` returns
//! and what `GET …/runs/{id}/events` pushes.

use std::collections::BTreeMap;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use tally_core::contract::views::RunStatusView;
use tally_core::run::{ExperimentPhase, RunId};
use tally_store::{ExperimentView, RunView};

use crate::backend::Connected;
use crate::chain::chain_of;
use crate::error::ApiError;
use crate::events::cache::Lookup;
use crate::state::AppState;
use crate::views::{StatusContext, run_status, stall};

/// The status of run `id` as JSON, from the cache while it holds a fresh answer
/// (`events::cache`); 404 when there is none.
pub async fn run_status_json(state: &AppState, id: &RunId) -> Result<Bytes, ApiError> {
    let cache = &state.events.cache;
    if let Lookup::Fresh(json) = cache.lookup(id) {
        return Ok(json);
    }
    state.events.start().await;
    // Readers take turns only when the answer can be kept for the next.
    let _turn = match cache.lookup(id) {
        Lookup::Fresh(json) => return Ok(json),
        Lookup::Read(None) => None,
        Lookup::Read(Some(_)) => Some(cache.fill(id).lock_owned().await),
    };
    let ticket = match cache.lookup(id) {
        Lookup::Fresh(json) => return Ok(json),
        Lookup::Read(ticket) => ticket,
    };
    let view = run_status_answer(state, id).await?;
    let json = Bytes::from(
        serde_json::to_vec(&view)
            .map_err(|e| ApiError::Internal(format!("run status as JSON: {e}")))?,
    );
    if let Some(ticket) = ticket {
        cache.keep(id, ticket, ids_of(&view), json.clone());
    }
    Ok(json)
}

/// What a notice may name to change `view`: the run, its experiments and the runs
/// of its chain.
fn ids_of(view: &RunStatusView) -> Vec<String> {
    let experiments = view.experiments.iter().map(|e| &e.experiment_id);
    let chain = view.retry_of.iter().chain(&view.retries).map(|r| &r.run_id);
    std::iter::once(&view.run_id)
        .chain(experiments)
        .chain(chain)
        .cloned()
        .collect()
}

/// The status of run `id`; 404 when there is none.
pub async fn run_status_answer(state: &AppState, id: &RunId) -> Result<RunStatusView, ApiError> {
    let connected = state.backend.get().await?;
    let mut run = find_run(connected, id).await?;
    crate::datadog_links::fill(&connected.store, &mut run).await?;
    let experiments = experiments_of(connected, &run).await?;
    let chain = chain_of(connected, &run, state).await?;
    let waiting = daily_waits(connected, &experiments).await?;
    // Only a run that can still progress is stalled; a final one needs no probe.
    let stalled = if run.status.is_final() {
        None
    } else {
        stall(&state.store_watch.observe(&connected.store).await)
    };
    let context = StatusContext {
        chain,
        daily_waits: &waiting,
        stalled,
    };
    let progress = connected.store.export_progress(id).await?;
    let mut view = run_status(run, &experiments, context, state);
    view.datadog_export = crate::datadog_export_status::export_view(&progress, &view.experiments);
    Ok(view)
}

/// Until when the models of the experiments still to run wait for their daily
/// quota, by model.
async fn daily_waits(
    connected: &Connected,
    experiments: &[ExperimentView],
) -> Result<BTreeMap<String, DateTime<Utc>>, ApiError> {
    let mut waits = BTreeMap::new();
    for view in experiments {
        let model = view.record.config.model.as_str();
        let unfinished = matches!(
            view.phase,
            ExperimentPhase::Pending | ExperimentPhase::Running
        );
        if unfinished
            && !waits.contains_key(model)
            && let Some(until) = connected.store.daily_block(model).await?
        {
            waits.insert(model.to_string(), until);
        }
    }
    Ok(waits)
}

pub async fn find_run(connected: &Connected, id: &RunId) -> Result<RunView, ApiError> {
    connected
        .store
        .run(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no run {id}")))
}

/// The run's experiments in request order (a missing one is a corrupt store).
pub async fn experiments_of(
    connected: &Connected,
    run: &RunView,
) -> Result<Vec<ExperimentView>, ApiError> {
    let ids = &run.record.experiments;
    let views = connected.store.experiments(ids).await?;
    ids.iter()
        .zip(views)
        .map(|(id, view)| {
            view.ok_or_else(|| {
                ApiError::Internal(format!(
                    "run {} lists experiment {id}, which is not stored",
                    run.record.run_id
                ))
            })
        })
        .collect()
}
