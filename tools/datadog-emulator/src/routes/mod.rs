//! The router. The experiments and datasets API is served under both prefixes
//! ddtrace and the public API use (`/api/unstable/llm-obs/v1` and
//! `/api/v2/llm-obs/v1`); the intakes at their own paths; `/_emulator/*` beside them.
//!
//! Layers, outermost first, on the Datadog routes: request log → faults →
//! credentials → handler.
//!
//! The two prefixes answer alike except for creation: under `/api/unstable/` (what
//! ddtrace calls, and it requires exactly 200) a create answers 200; under
//! `/api/v2/` (the public API) a create that made something answers 201.

mod datasets;
mod events;
mod experiments;
mod intake;
mod projects;
mod records;
mod upload;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use axum::{Extension, Router};

use crate::auth;
use crate::error::ApiError;
use crate::faults;
use crate::introspection;
use crate::request_log;
use crate::state::AppState;

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .nest("/api/unstable/llm-obs/v1", llm_obs_v1(Prefix::Unstable))
        .nest("/api/v2/llm-obs/v1", llm_obs_v1(Prefix::Public))
        .route(
            "/api/v2/llm-obs/v2/experiments/{experiment_id}/events",
            get(events::list),
        )
        .route(
            "/api/v2/llm-obs/v3/experiments/{experiment_id}/events",
            get(events::list),
        )
        .route_layer(from_fn_with_state(state.clone(), auth::api_and_app_key));
    let intakes = Router::new()
        .route("/api/v2/llmobs", post(intake::spans))
        .route(
            "/api/intake/llm-obs/v2/eval-metric",
            post(intake::eval_metrics),
        )
        .route_layer(from_fn_with_state(state.clone(), auth::api_key));
    let datadog = api
        .merge(intakes)
        .layer(from_fn_with_state(state.clone(), faults::inject))
        .layer(from_fn_with_state(state.clone(), request_log::record));
    let admin =
        introspection::router().route_layer(from_fn_with_state(state.clone(), auth::admin_token));
    // The request log reads and bounds bodies itself; handlers check their own limits.
    datadog
        .merge(admin)
        .fallback(|| async { ApiError::route_not_found().into_response() })
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// Which prefix a request came in under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `/api/unstable/llm-obs/v1`.
    Unstable,
    /// `/api/v2/llm-obs/v1`.
    Public,
}

impl Prefix {
    /// The status of a create: 201 on the public API when something was made.
    pub fn create_status(self, created: bool) -> StatusCode {
        match (self, created) {
            (Prefix::Public, true) => StatusCode::CREATED,
            _ => StatusCode::OK,
        }
    }
}

/// The routes under one API prefix.
fn llm_obs_v1(prefix: Prefix) -> Router<Arc<AppState>> {
    Router::new()
        .route("/projects", post(projects::create).get(projects::list))
        .route(
            "/{project_id}/datasets",
            post(datasets::create).get(datasets::list),
        )
        .route(
            "/{project_id}/datasets/delete",
            post(datasets::delete_in_project),
        )
        .route("/datasets/delete", post(datasets::delete))
        .route(
            "/{project_id}/datasets/{dataset_id}/versions",
            get(datasets::versions),
        )
        .route(
            "/{project_id}/datasets/{dataset_id}/records",
            get(records::list)
                .post(records::append)
                .patch(records::update),
        )
        .route(
            "/{project_id}/datasets/{dataset_id}/records/delete",
            post(records::delete),
        )
        .route(
            "/{project_id}/datasets/{dataset_id}/batch_update",
            post(records::batch_update),
        )
        .route("/datasets/{dataset_id}/records/upload", post(upload::csv))
        .route(
            "/experiments",
            post(experiments::create).get(experiments::list),
        )
        .route("/experiments/{experiment_id}", patch(experiments::update))
        .route(
            "/experiments/{experiment_id}/events",
            post(events::post).get(events::list),
        )
        .layer(Extension(prefix))
}
