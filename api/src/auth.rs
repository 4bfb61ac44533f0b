//! `X-API-Key` authentication for every route except the open ones (health, metrics,
//! docs). The matching key's *name* becomes the request's `Caller`; the key itself
//! goes nowhere — not to a log, a stored run or a response.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::roles::Role;
use crate::state::AppState;

pub const API_KEY_HEADER: &str = "x-api-key";

/// Who sent the request: the name of its API key (`None` when the server runs
/// without authentication).
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_name: Option<String>,
    /// What the key may do (`admin` without authentication).
    pub role: Role,
}

impl Caller {
    /// The scope of idempotency keys: the key name, or `anonymous`.
    pub fn scope(&self) -> &str {
        self.key_name.as_deref().unwrap_or("anonymous")
    }
}

pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = if state.api_keys.is_empty() {
        Caller {
            key_name: None,
            role: Role::Admin,
        }
    } else {
        let Some(presented) = request.headers().get(API_KEY_HEADER) else {
            return ApiError::Unauthorized("missing X-API-Key header").into_response();
        };
        let name = presented
            .to_str()
            .ok()
            .and_then(|text| state.api_keys.identify(text));
        match name {
            Some(name) => Caller {
                key_name: Some(name.to_string()),
                role: state.api_keys.role_of(name),
            },
            None => return ApiError::Unauthorized("the X-API-Key is not valid").into_response(),
        }
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}
