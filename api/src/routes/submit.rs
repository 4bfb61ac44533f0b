//! `POST /api/v1/experiments/run` and `/run-async`: validate, record the run, enqueue
//! its plan jobs (through `ApiStore::submit`, the code the scheduler submits with).
//!
//! The submission runs in a task of its own: a client that disconnects mid-request
//! cannot cut it between storing the run and enqueueing its jobs, and a client that
//! stops waiting on `/run` cancels nothing — the run goes on.
//!
//! Unknown fields of the body are ignored, as the old service ignored them, and
//! listed by path in the answer's `warnings` (and in the log).

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sha2::{Digest, Sha256};
use tally_core::contract::{
    Execution, ExperimentRequest, ExperimentResponse, FieldError, RunAccepted,
};
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
    let (submitted, warnings) = accept(&state, &caller, &headers, &body).await?;
    Ok(accepted(&state, &submitted, None, warnings))
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
    let (submitted, warnings) = accept(&state, &caller, &headers, &body).await?;
    if let Some(mut response) = wait_for_final(&state, &submitted.run_id, wait).await {
        response.warnings = warnings;
        return Ok((StatusCode::OK, Json(response)).into_response());
    }
    Ok(accepted(&state, &submitted, Some(wait), warnings))
}

async fn accept(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Submitted, Vec<FieldError>), ApiError> {
    let (request, warnings) = ExperimentRequest::from_json_bytes_with_warnings(body)?;
    if state.vertex_backend {
        refuse_batch_on_vertex(&request)?;
    }
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
    if !warnings.is_empty() {
        // Paths only: a value sent in an unknown field could be anything, a secret too.
        let ignored: Vec<&str> = warnings.iter().map(|w| w.field.as_str()).collect();
        tracing::warn!(run_id = %submitted.run_id, ignored = ?ignored,
            "unknown request fields ignored");
    }
    Ok((submitted, warnings))
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
async fn wait_for_final(
    state: &AppState,
    run: &RunId,
    wait: Duration,
) -> Option<ExperimentResponse> {
    let connected = state.backend.get().await.ok()?;
    let deadline = Instant::now() + wait;
    let mut interval = Duration::from_millis(100);
    let mut shutting_down = state.shutting_down.clone();
    loop {
        match connected.store.run(run).await {
            Ok(Some(view)) if view.status.is_final() => {
                if let Some(response) = view.response {
                    return Some(response);
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
fn accepted(
    state: &AppState,
    submitted: &Submitted,
    waited: Option<Duration>,
    warnings: Vec<FieldError>,
) -> Response {
    let (run, created) = (&submitted.run_id, submitted.created);
    let status_url = state.urls.run_status(run);
    let mut body = RunAccepted::new(run.as_str(), status_url.clone());
    body.warnings = warnings;
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

/// Batch execution runs on the Developer API only: Vertex AI's batch prediction reads
/// its input from Cloud Storage or BigQuery, which tally does not use. Every field
/// asking for it is named.
fn refuse_batch_on_vertex(request: &ExperimentRequest) -> Result<(), ApiError> {
    const MESSAGE: &str = "batch execution needs the Gemini Developer API; these workers call \
         Vertex AI (GEMINI_BACKEND=vertex), whose batch prediction needs Cloud Storage or \
         BigQuery: use \"online\"";
    let mut errors = Vec::new();
    if request.execution == Some(Execution::Batch) {
        errors.push(FieldError {
            field: "execution".to_string(),
            message: MESSAGE.to_string(),
        });
    }
    for (index, config) in request.model_configs.iter().enumerate() {
        if config.execution == Some(Execution::Batch) {
            errors.push(FieldError {
                field: format!("model_configs[{index}].execution"),
                message: MESSAGE.to_string(),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_on_vertex_names_every_field_that_asks_for_it() {
        let request = |body: &str| ExperimentRequest::from_json_bytes(body.as_bytes()).unwrap();
        let online = request(
            r#"{"dataset_name": "d", "model_configs": [{"model": "m", "temperature": 0}]}"#,
        );
        assert!(refuse_batch_on_vertex(&online).is_ok());
        let batch = request(
            r#"{"dataset_name": "d", "execution": "batch", "model_configs": [
                {"model": "m", "temperature": 0},
                {"model": "m", "temperature": 0, "name_suffix": "b", "execution": "batch"},
                {"model": "m", "temperature": 0, "name_suffix": "c", "execution": "online"}]}"#,
        );
        let Err(ApiError::Invalid(errors)) = refuse_batch_on_vertex(&batch) else {
            panic!("batch on Vertex is refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["execution", "model_configs[1].execution"]);
        assert!(
            errors[0].message.contains("Developer API"),
            "{}",
            errors[0].message
        );
    }
}
