//! `POST /api/v1/experiments/run` and `/run-async`: validate, record the run, enqueue
//! its plan jobs (through `ApiStore::submit`, the code the scheduler submits with).
//!
//! The submission runs in a task of its own: a client that disconnects mid-request
//! cannot cut it between storing the run and enqueueing its jobs, and a client that
//! stops waiting on `/run` cancels nothing — the run goes on.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sha2::{Digest, Sha256};
use tally_core::contract::{ExperimentRequest, RunAccepted};
use tally_core::run::{RunId, Submitter};
use tally_store::IdempotencyKey;
use tally_store::submission::{DEFAULT_MAX_CHUNK_SIZE, Submission, Submitted};
use tokio::time::Instant;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{Body, Params};
use crate::state::AppState;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
const MAX_IDEMPOTENCY_KEY: usize = 255;
/// The longest `wait_seconds` a client may ask for; the server maximum caps it further.
const MAX_WAIT_PARAMETER: u64 = 24 * 3600;

/// `POST /run-async`: 202 with the run id and where to poll it.
pub async fn run_async(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    params: Params,
    Body(body): Body,
) -> Result<Response, ApiError> {
    params.finish()?;
    let submitted = accept(&state, &caller, &headers, &body).await?;
    Ok(accepted(&state, &submitted.run_id, None, submitted.created))
}

/// `POST /run?wait_seconds=N`: 200 with the `ExperimentResponse` when the run ends
/// within min(N, `TALLY_RUN_MAX_WAIT_SECONDS`) seconds, else 202 as `/run-async`.
pub async fn run_and_wait(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    mut params: Params,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let max = state.run_max_wait.as_secs();
    let asked = params.integer("wait_seconds", 0, MAX_WAIT_PARAMETER, max);
    params.finish()?;
    let wait = Duration::from_secs(asked.min(max));
    let submitted = accept(&state, &caller, &headers, &body).await?;
    if let Some(response) = wait_for_final(&state, &submitted.run_id, wait).await {
        return Ok(response);
    }
    Ok(accepted(
        &state,
        &submitted.run_id,
        Some(wait),
        submitted.created,
    ))
}

async fn accept(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Submitted, ApiError> {
    let request = ExperimentRequest::from_json_bytes(body)?;
    let sealer = crate::request_keys::sealer(&state.datadog, &request)?;
    let idempotency = idempotency_key(headers, caller)?;
    let connected = state.backend.get().await?.clone();
    let submission = Submission {
        request,
        submitter: Submitter {
            api_key_name: caller.key_name.clone(),
            schedule: None,
        },
        idempotency,
    };
    let submitted = tokio::spawn(async move {
        let store = &connected.store;
        match sealer {
            Some(sealer) => {
                let seal = move |run: &str| sealer.seal(run);
                store
                    .submit_with_keys(submission, DEFAULT_MAX_CHUNK_SIZE, &seal)
                    .await
            }
            None => store.submit(submission, DEFAULT_MAX_CHUNK_SIZE).await,
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the submission task failed: {e}")))??;
    state.metrics.run_submitted(submitted.created);
    tracing::info!(
        run_id = %submitted.run_id,
        created = submitted.created,
        api_key_name = caller.scope(),
        "run submitted"
    );
    Ok(submitted)
}

/// The `Idempotency-Key` header, hashed and scoped by the caller's key name.
fn idempotency_key(
    headers: &HeaderMap,
    caller: &Caller,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    if text.is_empty() || text.len() > MAX_IDEMPOTENCY_KEY {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            format!("must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
        ));
    }
    Ok(Some(IdempotencyKey {
        api_key_name: caller.scope().to_string(),
        key_hash: hex::encode(Sha256::digest(text.as_bytes())),
    }))
}

/// Polls the run until it is final, the wait is over, or the server shuts down.
/// Polling starts fast (short runs answer quickly) and backs off to once a second.
async fn wait_for_final(state: &AppState, run: &RunId, wait: Duration) -> Option<Response> {
    let connected = state.backend.get().await.ok()?;
    let deadline = Instant::now() + wait;
    let mut interval = Duration::from_millis(100);
    let mut shutting_down = state.shutting_down.clone();
    loop {
        match connected.store.run(run).await {
            Ok(Some(view)) if view.status.is_final() => {
                if let Some(response) = view.response {
                    return Some((StatusCode::OK, Json(response)).into_response());
                }
            }
            Ok(_) => {}
            Err(error) => {
                // The run exists and goes on; the client polls it instead.
                tracing::warn!(run_id = %run, %error, "stopped waiting for a run");
                return None;
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval.min(deadline - now)) => {}
            _ = shutting_down.wait_for(|down| *down) => return None,
        }
        interval = (interval * 2).min(Duration::from_secs(1));
    }
}

/// 202 with `RunAccepted` and the status URL in `Location`.
fn accepted(state: &AppState, run: &RunId, waited: Option<Duration>, created: bool) -> Response {
    let status_url = state.urls.run_status(run);
    let mut body = RunAccepted::new(run.as_str(), status_url.clone());
    if let Some(waited) = waited {
        body.message = format!(
            "Experiment run {run} is still in progress after {} s; poll {status_url} for its status",
            waited.as_secs()
        );
    }
    if !created {
        body.message
            .push_str(" (an earlier submission with this Idempotency-Key)");
    }
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&status_url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if !created {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}
