//! The router. The experiments and datasets API is served under both prefixes
//! ddtrace and the public API use (`/api/unstable/llm-obs/v1` and
//! `/api/v2/llm-obs/v1`); the intakes at their own paths; `/_emulator/*` beside them.
//!
//! Layers, outermost first, on the Datadog routes: request log → faults →
//! credentials → handler.

mod datasets;
mod events;
mod experiments;
mod intake;
mod projects;
mod records;
mod upload;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};

use crate::auth;
use crate::error::ApiError;
use crate::faults;
use crate::introspection;
use crate::request_log;
use crate::state::AppState;

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .nest("/api/unstable/llm-obs/v1", llm_obs_v1())
        .nest("/api/v2/llm-obs/v1", llm_obs_v1())
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

/// The routes under one API prefix.
fn llm_obs_v1() -> Router<Arc<AppState>> {
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
}
