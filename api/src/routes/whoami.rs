//! `GET /api/v1/whoami`: the name and role of the key that sent the request, so a
//! client (the web UI) can show only what the key may do.

use axum::{Extension, Json};
use serde::Serialize;

use crate::auth::Caller;
use crate::roles::Role;

#[derive(Serialize)]
pub struct WhoAmI {
    /// The key's name; `null` when the server runs without authentication.
    name: Option<String>,
    role: Role,
}

pub async fn whoami(Extension(caller): Extension<Caller>) -> Json<WhoAmI> {
    Json(WhoAmI {
        name: caller.key_name,
        role: caller.role,
    })
}
