//! Roles of API keys: what a key may do, checked per route after the key is known.
//! `read` may only read; `run` may also submit, cancel and retry runs; `admin` may
//! do everything, including importing datasets and editing schedules. A key
//! configured without a role is `admin`, as every key was before roles existed.

use std::fmt;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Read,
    Run,
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "read" => Some(Role::Read),
            "run" => Some(Role::Run),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Run => "run",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Middleware (state: the role a route needs): 403 unless the caller's role is at
/// least that. Runs inside `require_api_key`, which sets the `Caller`.
pub async fn require_role(State(needed): State<Role>, request: Request, next: Next) -> Response {
    let role = request
        .extensions()
        .get::<Caller>()
        .map_or(Role::Read, |caller| caller.role);
    if role < needed {
        return ApiError::Forbidden { needed, role }.into_response();
    }
    next.run(request).await
}
