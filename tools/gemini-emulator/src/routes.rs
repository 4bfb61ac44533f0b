//! The router: generateContent in both URL shapes, batches and files, the credential
//! endpoints, and introspection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::admin;
use crate::batch;
use crate::generate;
use crate::introspection;
use crate::latency;
use crate::state::AppState;

/// Above the Developer API's 20 MB (checked per API in the handler), so oversized
/// requests get Google's error rather than a bare 413.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// `admin_token`: when set, the `/_emulator/*` routes need it (see [`admin`]).
pub fn router(state: Arc<AppState>, admin_token: Option<String>) -> Router {
    let introspection = Router::new()
        .route("/_emulator/stats", get(introspection::stats))
        .route("/_emulator/requests", get(introspection::requests))
        .route(
            "/_emulator/settings",
            get(introspection::get_settings).patch(introspection::patch_settings),
        )
        .route("/_emulator/faults", post(introspection::push_faults))
        .route("/_emulator/reset", post(introspection::reset))
        .route(
            "/_emulator/tokens/revoke",
            post(introspection::revoke_tokens),
        )
        .route_layer(from_fn_with_state(
            Arc::new(admin_token),
            admin::require_token,
        ));
    // A model's latency counts from the request's arrival (see `latency`).
    let generate = Router::new()
        .route("/{version}/models/{action}", post(generate::developer))
        .route(
            "/{version}/projects/{project}/locations/{location}/publishers/{publisher}/models/{action}",
            post(generate::vertex),
        )
        .route_layer(from_fn(latency::stamp_arrival));
    Router::new()
        .merge(generate)
        .route("/{version}/batches", get(batch::routes::list))
        .route(
            "/{version}/batches/{name}",
            get(batch::routes::get)
                .delete(batch::routes::delete)
                .post(batch::routes::cancel),
        )
        .route("/upload/{version}/files", post(batch::file_routes::upload))
        .route("/{version}/files", get(batch::file_routes::list_files))
        .route(
            "/{version}/files/{name}",
            get(batch::file_routes::get_file).delete(batch::file_routes::delete_file),
        )
        .route(
            "/download/{version}/files/{name}",
            get(batch::file_routes::download),
        )
        .route("/token", post(token))
        .route(
            "/computeMetadata/v1/instance/service-accounts/default/token",
            get(metadata_token),
        )
        .merge(introspection)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// The OAuth 2 token endpoint (a service-account key's `token_uri`; the refresh-token
/// grant of `authorized_user` credentials).
async fn token(
    State(state): State<Arc<AppState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(description) = state.tokens.check_grant(&form) {
        let body = json!({"error": "invalid_grant", "error_description": description});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    issue(&state)
}

/// The metadata server's token path; like the real one it needs `Metadata-Flavor: Google`.
async fn metadata_token(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if headers.get("metadata-flavor").and_then(|v| v.to_str().ok()) != Some("Google") {
        return (
            StatusCode::FORBIDDEN,
            "Missing required header: Metadata-Flavor\n",
        )
            .into_response();
    }
    issue(&state)
}

fn issue(state: &AppState) -> Response {
    let lifetime = state.settings().token_lifetime_secs;
    let token = state.tokens.issue(Duration::from_secs(lifetime));
    Json(json!({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}))
        .into_response()
}
