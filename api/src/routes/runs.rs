//! Runs: status with per-experiment progress, the list (newest first, filtered,
//! paginated), and cancel (retry is in `retry.rs`). A runner key cancels and
//! retries only its own runs (`may_change`).

use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use tally_core::contract::RunStatus;
use tally_core::contract::views::{CancelAnswer, ProgressView, RunList, RunSummaryView};
use tally_core::run::RunId;
use tally_store::{CancelOutcome, RunFilter};

use crate::auth::Caller;
use crate::backend::Connected;
use crate::error::ApiError;
use crate::extract::{Page, Params, run_id};
use crate::roles::{Role, may_change_run};
use crate::state::AppState;
use crate::status::{experiments_of, find_run, run_status_json};

const STATUSES: [RunStatus; 6] = [
    RunStatus::Queued,
    RunStatus::Running,
    RunStatus::Succeeded,
    RunStatus::Partial,
    RunStatus::Failed,
    RunStatus::Cancelled,
];

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// `GET /api/v1/experiments/runs/{id}`: a `RunStatusView`, serialised once per
/// change (`status::run_status_json`).
pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    params.finish()?;
    let id = run_id(&id)?;
    let json = run_status_json(&state, &id).await?;
    Ok(([(CONTENT_TYPE, JSON)], json).into_response())
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
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    params.finish()?;
    let id = run_id(&id)?;
    let connected = state.backend.get().await?;
    may_change(connected, &caller, &id).await?;
    match connected.store.cancel(&id).await? {
        CancelOutcome::NotFound => Err(ApiError::not_found(format!("no run {id}"))),
        CancelOutcome::AlreadyFinal(status) => Err(ApiError::Conflict(format!(
            "run {id} already ended with status {status}; there is nothing to cancel"
        ))),
        CancelOutcome::Requested => {
            state.events.cache.changed(id.as_str());
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

/// 403 unless `caller` may cancel or retry run `id` (`roles::may_change_run`); 404
/// for an unknown run. An admin may change any run, so its run is not read.
pub(super) async fn may_change(
    connected: &Connected,
    caller: &Caller,
    id: &RunId,
) -> Result<(), ApiError> {
    if caller.role >= Role::Admin {
        return Ok(());
    }
    let run = find_run(connected, id).await?;
    may_change_run(caller, id.as_str(), &run.record.submitter)
}
