//! `/openapi.json` and `/docs`: the document, and a page that renders it with no
//! external assets (it works offline and behind any firewall).

use axum::Json;
use axum::extract::State;
use axum::response::Html;
use serde_json::Value;

use crate::openapi;
use crate::state::AppState;

const PAGE: &str = include_str!("../../assets/docs.html");

pub async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(openapi::document(state.urls.base()))
}

pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}
