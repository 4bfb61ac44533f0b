//! `/openapi.json` and `/docs`: the document, and a page that renders it with no
//! external assets (it works offline and behind any firewall). The page carries a
//! strict Content-Security-Policy: its one inline script and one inline style are
//! allowed by their SHA-256 hashes, fetches go to this origin only.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::page_headers;
use crate::openapi;
use crate::state::AppState;

const PAGE: &str = include_str!("../../assets/docs.html");

pub async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(openapi::document(state.urls.base()))
}

/// The policy of the docs page, computed once from the page itself so an edit of its
/// script or style cannot leave a stale hash behind.
static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; \
         connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        inline_hash("script"),
        inline_hash("style"),
    )
});

/// The base64 SHA-256 of the text between `<tag>` and `</tag>` in the page.
fn inline_hash(tag: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let text = PAGE
        .split_once(open.as_str())
        .and_then(|(_, rest)| rest.split_once(close.as_str()))
        .map_or("", |(inner, _)| inner);
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

pub async fn page() -> Response {
    let mut response = Html(PAGE).into_response();
    if let Ok(policy) = HeaderValue::from_str(&CONTENT_SECURITY_POLICY) {
        page_headers::protect(response.headers_mut(), policy);
    }
    response
}
