//! The headers every page of ours carries (`/docs`, `/ui/`): its Content-Security-Policy,
//! and no MIME sniffing and no referrer, whatever the page.

use axum::http::{HeaderMap, HeaderValue, header};

pub fn protect(headers: &mut HeaderMap, policy: HeaderValue) {
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}
