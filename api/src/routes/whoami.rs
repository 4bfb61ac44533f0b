//! `GET /api/v1/whoami`: the name and role of the key that sent the request, so a
//! client (the web UI) can show only what the key may do.

use axum::{Extension, Json};
use tally_core::contract::views::{KeyRole, WhoAmI};

use crate::auth::Caller;
use crate::roles::Role;

pub async fn whoami(Extension(caller): Extension<Caller>) -> Json<WhoAmI> {
    Json(WhoAmI {
        name: caller.key_name,
        role: match caller.role {
            Role::Read => KeyRole::Read,
            Role::Run => KeyRole::Run,
            Role::Admin => KeyRole::Admin,
        },
    })
}
