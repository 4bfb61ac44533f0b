//! Limits on the request line and headers, answered with the JSON error body like
//! every other error: a URI longer than [`MAX_URI_BYTES`] is 414, headers larger than
//! [`MAX_HEADER_BYTES`] in total are 431, and a 413 from any body reader becomes the
//! JSON `payload_too_large`. (hyper's own outer bounds, far above these, still close
//! the connection with an empty 414/431.)

use std::fmt::Write;

use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Far above any URL the API hands out or the UI builds.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Sum of header names and values; a browser sends a few kilobytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Middleware: refuses over-long URIs and headers; makes every 413 JSON.
/// The state is `TALLY_BODY_LIMIT_BYTES`, for the 413's message.
pub async fn enforce(State(body_limit): State<usize>, request: Request, next: Next) -> Response {
    let uri_bytes = text_len(request.uri());
    if uri_bytes > MAX_URI_BYTES {
        return ApiError::UriTooLong {
            limit: MAX_URI_BYTES,
        }
        .into_response();
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge {
            limit: MAX_HEADER_BYTES,
        }
        .into_response();
    }
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiError::PayloadTooLarge { limit: body_limit }.into_response();
    }
    response
}

/// The length of `uri` as text, counted without building the text (every request
/// passes here).
fn text_len(uri: &Uri) -> usize {
    struct Count(usize);
    impl Write for Count {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0 += text.len();
            Ok(())
        }
    }
    let mut count = Count(0);
    // Counting never fails.
    let _ = write!(count, "{uri}");
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_is_that_of_the_text() {
        for text in [
            "/",
            "/api/v1/runs/run_1?limit=5",
            "http://host:8000/p?q=%20",
        ] {
            let uri: Uri = text.parse().unwrap();
            assert_eq!(text_len(&uri), uri.to_string().len(), "{text}");
        }
    }
}
