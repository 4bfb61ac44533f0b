//! Runs: status with per-experiment progress, the list (newest first, filtered,
//! paginated), and cancel (retry is in `retry.rs`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tally_core::contract::RunStatus;
use tally_core::contract::views::{
    CancelAnswer, ProgressView, RunList, RunStatusView, RunSummaryView,
};
use tally_core::run::{ExperimentPhase, RunId};
use tally_store::{CancelOutcome, ExperimentView, RunFilter, RunView};

use crate::backend::Connected;
use crate::chain::chain_of;
use crate::error::ApiError;
use crate::extract::{Page, Params, run_id};
use crate::state::AppState;
use crate::views::{StatusContext, run_status, stall};

const STATUSES: [RunStatus; 6] = [
    RunStatus::Queued,
    RunStatus::Running,
    RunStatus::Succeeded,
    RunStatus::Partial,
    RunStatus::Failed,
    RunStatus::Cancelled,
];

/// `GET /api/v1/experiments/runs/{id}`.
pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<RunStatusView>, ApiError> {
    params.finish()?;
    let id = run_id(&id)?;
    let connected = state.backend.get().await?;
    let mut run = find_run(connected, &id).await?;
    crate::datadog_links::fill(&connected.store, &mut run).await?;
    let experiments = experiments_of(connected, &run).await?;
    let chain = chain_of(connected, &run, &state).await?;
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
    let progress = connected.store.export_progress(&id).await?;
    let mut view = run_status(run, &experiments, context, &state);
    view.datadog_export = crate::datadog_export_status::export_view(&progress, &view.experiments);
    Ok(Json(view))
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

/// `GET /api/v1/experiments/runs?status=&schedule=&offset=&limit=`.
pub async fn list(
    State(state): State<AppState>,
    mut params: Params,
) -> Result<Json<RunList>, ApiError> {
    let status = params
        .choice("status", &STATUSES.map(RunStatus::as_str))
        .and_then(|name| STATUSES.into_iter().find(|s| s.as_str() == name));
    let schedule = params.text("schedule");
    if let Some(name) = &schedule
        && (name.is_empty() || name.contains(':') || name.len() > 200)
    {
        params.reject(
            "schedule",
            "must be a schedule name (1-200 characters, no ':')",
        );
    }
    let page = Page::read(&mut params);
    params.finish()?;
    let filter = RunFilter { status, schedule };
    let connected = state.backend.get().await?;
    let runs = connected
        .store
        .list_runs(&filter, page.offset, page.limit)
        .await?;
    let mut lines = Vec::with_capacity(runs.len());
    for run in runs {
        let experiments = experiments_of(connected, &run).await?;
        let record = run.record;
        lines.push(RunSummaryView {
            status_url: state.urls.run_status(&record.run_id),
            run_id: record.run_id.to_string(),
            status: run.status,
            progress: ProgressView::sum(experiments.iter().map(|e| &e.progress)),
            dataset_name: record.dataset.name.as_str().to_string(),
            dataset_version: record.dataset.version,
            experiments: record.experiments.len(),
            api_key_name: record.submitter.api_key_name,
            schedule: record.submitter.schedule,
            created_at: run.created_at,
            finished_at: run.finished_at,
            retry_of: record.retry_of.map(|id| id.to_string()),
        });
    }
    Ok(Json(RunList {
        next_offset: page.next_offset(lines.len()),
        runs: lines,
        offset: page.offset,
        limit: page.limit,
    }))
}

/// `POST /api/v1/experiments/runs/{id}/cancel`: sets the run's cancel flag, then asks
/// for a finalize of every experiment that is not final (finalize sees the flag and
/// ends it `cancelled`; records in flight finish). 202 while the run winds down;
/// repeating it is harmless. 409 when the run had already ended.
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    params.finish()?;
    let id = run_id(&id)?;
    let connected = state.backend.get().await?;
    match connected.store.cancel(&id).await? {
        CancelOutcome::NotFound => Err(ApiError::not_found(format!("no run {id}"))),
        CancelOutcome::AlreadyFinal(status) => Err(ApiError::Conflict(format!(
            "run {id} already ended with status {status}; there is nothing to cancel"
        ))),
        CancelOutcome::Requested => {
            let run = find_run(connected, &id).await?;
            tracing::info!(run_id = %id, "cancel requested");
            let answer = CancelAnswer {
                run_id: id.to_string(),
                status: run.status,
                cancel_requested: true,
                message: format!(
                    "cancel of run {id} requested: records in flight finish, no new record starts"
                ),
                status_url: state.urls.run_status(&id),
            };
            Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
        }
    }
}

pub(super) async fn find_run(connected: &Connected, id: &RunId) -> Result<RunView, ApiError> {
    connected
        .store
        .run(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no run {id}")))
}

/// The run's experiments in request order (a missing one is a corrupt store).
pub(super) async fn experiments_of(
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
