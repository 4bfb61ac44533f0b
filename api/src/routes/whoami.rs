//! `GET /api/v1/whoami`: the name and role of the key that sent the request, so a
//! client (the web UI) can show only what the key may do.

use axum::{Extension, Json};
use tally_core::contract::views::WhoAmI;

use crate::auth::Caller;

pub async fn whoami(Extension(caller): Extension<Caller>) -> Json<WhoAmI> {
    Json(WhoAmI {
        name: caller.key_name,
        role: caller.role,
    })
}
