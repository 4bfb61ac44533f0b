//! `POST /api/v1/experiments/runs/{id}/retry`: a child run executing, per experiment,
//! only the records of the run's chain that did not succeed (failed, cancelled, never
//! started), with the same configuration and dataset version.
//!
//! Like a submission it runs in a task of its own, so a client that disconnects
//! cannot cut it between storing the child run and enqueueing its jobs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use tally_core::contract::AcceptedStatus;
use tally_core::contract::views::RetryAccepted;
use tally_core::run::Submitter;
use tally_store::RetryOutcome;
use tally_store::submission::DEFAULT_MAX_CHUNK_SIZE;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{Params, run_id};
use crate::state::AppState;

use super::runs::may_change;

pub async fn retry(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    params.finish()?;
    let id = run_id(&id)?;
    let connected = state.backend.get().await?.clone();
    may_change(&connected, &caller, &id).await?;
    let submitter = Submitter {
        api_key_name: caller.key_name.clone(),
        schedule: None,
    };
    let parent = id.clone();
    let outcome = tokio::spawn(async move {
        connected
            .store
            .retry(&parent, submitter, DEFAULT_MAX_CHUNK_SIZE)
            .await
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the retry task failed: {e}")))??;
    match outcome {
        RetryOutcome::NotFound => Err(ApiError::not_found(format!("no run {id}"))),
        RetryOutcome::Running { run, status } => Err(ApiError::Conflict(format!(
            "run {run} is still {status}; retry once it has ended"
        ))),
        RetryOutcome::Created {
            run_id,
            retry_of,
            records,
        } => {
            state.metrics.run_submitted(true);
            // The chain's answers list the new retry.
            state.events.cache.changed(retry_of.as_str());
            state.events.cache.changed(id.as_str());
            let total: u64 = records.iter().sum();
            tracing::info!(%run_id, %retry_of, records = total, api_key_name = caller.scope(),
                "retry submitted");
            let answer = RetryAccepted {
                status: AcceptedStatus::Accepted,
                message: format!(
                    "Retry run {run_id} of run {retry_of} accepted: {total} records to execute"
                ),
                task_id: run_id.to_string(),
                run_id: run_id.to_string(),
                retry_of: retry_of.to_string(),
                records,
                status_url: state.urls.run_status(&run_id),
                run_url: state.urls.run_page(&run_id),
            };
            Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
        }
    }
}
