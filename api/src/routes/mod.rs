//! The router: one file per route group. Open routes (health, metrics, docs, the web
//! UI's static files) are merged outside the `X-API-Key` layer; everything else sits
//! behind it.
//!
//! Handlers only validate, query or enqueue: none of them executes a run.

mod compare;
mod datadog_push;
mod datasets;
mod docs;
mod events;
mod experiments;
mod health;
mod labelsets;
mod page_headers;
mod presets;
mod records;
mod retry;
mod runs;
mod schedules;
mod submit;
mod ui;
mod upload;
mod whoami;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::Response;
use axum::routing::{get, post, put};

use crate::auth::require_api_key;
use crate::error::ApiError;
use crate::metrics::track;
use crate::read_rest::read_rest;
use crate::request_limits;
use crate::roles::{Role, require_role};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let read = Router::new()
        .route("/api/v1/whoami", get(whoami::whoami))
        .route("/api/v1/experiments/runs", get(runs::list))
        .route("/api/v1/experiments/runs/{id}", get(runs::status))
        .route("/api/v1/experiments/runs/{id}/events", get(events::events))
        .route(
            "/api/v1/experiments/experiments/{id}",
            get(experiments::detail),
        )
        .route(
            "/api/v1/experiments/experiments/{id}/results",
            get(experiments::results),
        )
        .route("/api/v1/experiments/compare", get(compare::compare))
        .route("/api/v1/datasets", get(datasets::list))
        .route("/api/v1/datasets/{name}", get(datasets::versions))
        .route(
            "/api/v1/datasets/{name}/versions/{version}/records/{id}",
            get(records::record),
        )
        .route(
            "/api/v1/datasets/{name}/versions/{version}/records/{id}/pages/{page}",
            get(records::page),
        )
        .route("/api/v1/schedules", get(schedules::list))
        .route("/api/v1/schedules/{name}", get(schedules::detail))
        .route("/api/v1/presets", get(presets::list))
        .route("/api/v1/labelsets", get(labelsets::list))
        .route("/api/v1/labelsets/{name}", get(labelsets::detail))
        .route(
            "/api/v1/labelsets/{name}/records/{id}",
            get(labelsets::record),
        )
        .route(
            "/api/v1/labelsets/{name}/records/{id}/pages/{page}",
            get(labelsets::page),
        )
        .route(
            "/api/v1/labelsets/{name}/records/{id}/check",
            post(labelsets::check),
        )
        .route_layer(from_fn_with_state(Role::Viewer, require_role));
    let run = Router::new()
        .route("/api/v1/experiments/run", post(submit::run_and_wait))
        .route("/api/v1/experiments/run-async", post(submit::run_async))
        .route("/api/v1/experiments/runs/{id}/cancel", post(runs::cancel))
        .route("/api/v1/experiments/runs/{id}/retry", post(retry::retry))
        .route("/api/v1/labelsets", post(labelsets::create))
        .route(
            "/api/v1/labelsets/{name}/prefill",
            post(labelsets::prefill_run),
        )
        .route("/api/v1/labelsets/{name}/next", post(labelsets::next))
        .route(
            "/api/v1/labelsets/{name}/records/{id}/label",
            post(labelsets::label),
        )
        .route_layer(from_fn_with_state(Role::Runner, require_role));
    let admin = Router::new()
        .route("/api/v1/datasets/import", post(datasets::import))
        .route("/api/v1/datasets", post(upload::upload))
        .route("/api/v1/datasets/{name}/datadog", post(datadog_push::push))
        .route("/api/v1/schedules", post(schedules::create))
        .route(
            "/api/v1/schedules/{name}",
            put(schedules::replace).delete(schedules::delete),
        )
        .route("/api/v1/schedules/{name}/pause", post(schedules::pause))
        .route("/api/v1/schedules/{name}/resume", post(schedules::resume))
        .route(
            "/api/v1/labelsets/{name}/publish",
            post(labelsets::publish_set),
        )
        .route_layer(from_fn_with_state(Role::Admin, require_role));
    // Each group checks its role inside the key check, which sets the caller.
    let protected = Router::new()
        .merge(read)
        .merge(run)
        .merge(admin)
        .route_layer(from_fn_with_state(state.clone(), require_api_key));
    let open = Router::new()
        .route("/api/v1/experiments/health", get(health::service_health))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(docs::openapi))
        .route("/docs", get(docs::page))
        .route("/", get(ui::to_ui))
        .route("/ui", get(ui::to_ui))
        .route("/ui/", get(ui::page))
        .route("/ui/{*path}", get(ui::asset));
    Router::new()
        .merge(protected)
        .merge(open)
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.body_limit_bytes))
        .layer(from_fn_with_state(
            state.body_limit_bytes,
            request_limits::enforce,
        ))
        .layer(from_fn_with_state(state.metrics.clone(), track))
        .layer(map_response(no_store))
        // Outermost, so that a refusal by any layer within leaves no body unread.
        .layer(from_fn_with_state(largest_body(&state), read_rest))
        .with_state(state)
}

/// The largest body any route accepts: an upload's archive, or a JSON body.
fn largest_body(state: &AppState) -> u64 {
    let json = u64::try_from(state.body_limit_bytes).unwrap_or(u64::MAX);
    state.upload_limits.archive_bytes.max(json)
}

async fn unknown_route(uri: Uri) -> ApiError {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::not_found(format!("no route {path}"))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Answers describe live state: no cache may keep them.
async fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
