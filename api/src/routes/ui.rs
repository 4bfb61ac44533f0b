//! The web UI: one page of hand-written HTML, CSS and JavaScript modules under
//! `api/assets/ui/`, compiled into the binary (`include_bytes!`), so a running
//! tally-api serves every asset itself — no CDN, no build step, works offline.
//!
//! `GET /` and `GET /ui` redirect to `/ui/`; `GET /ui/` is the page; `GET /ui/{path}`
//! one of its assets. These routes are open: the page holds no data and asks for the
//! API key itself (kept in the tab's `sessionStorage`, sent as `X-API-Key`). The
//! answers carry a strict Content-Security-Policy: scripts, styles and fetches from
//! this origin only; images also from `blob:` (page scans fetched with the key).

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::page_headers;
use crate::error::ApiError;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $content_type:expr) => {
        Asset {
            path: $path,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../assets/ui/", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the UI. A file missing here is a 404 in the browser, and the
/// asset test (`api/tests/api/ui.rs`) fails on any module imported but not listed.
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("js/main.js", JS),
    asset!("js/api.js", JS),
    asset!("js/auth.js", JS),
    asset!("js/dom.js", JS),
    asset!("js/format.js", JS),
    asset!("js/charts.js", JS),
    asset!("js/request.js", JS),
    asset!("js/run_events.js", JS),
    asset!("js/archive_upload.js", JS),
    asset!("js/report_form.js", JS),
    asset!("js/check_marks.js", JS),
    asset!("js/page_viewer.js", JS),
    asset!("js/pages/run_form.js", JS),
    asset!("js/pages/run_view.js", JS),
    asset!("js/pages/experiment.js", JS),
    asset!("js/pages/record.js", JS),
    asset!("js/pages/compare.js", JS),
    asset!("js/pages/history.js", JS),
    asset!("js/pages/schedules.js", JS),
    asset!("js/pages/datasets.js", JS),
    asset!("js/pages/labelsets.js", JS),
    asset!("js/pages/labelset.js", JS),
    asset!("js/pages/workbench.js", JS),
];

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

/// `GET /` and `GET /ui`.
pub async fn to_ui() -> Redirect {
    Redirect::to("/ui/")
}

/// `GET /ui/`.
pub async fn page() -> Response {
    serve("index.html")
}

/// `GET /ui/{*path}`.
pub async fn asset(Path(path): Path<String>) -> Response {
    serve(&path)
}

fn serve(path: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        let shown: String = path.chars().take(200).collect();
        return ApiError::not_found(format!("no UI asset {shown}")).into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    page_headers::protect(headers, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `./x.js` or `../x.js` relative to the folder of `from`.
    fn resolve(from: &str, target: &str) -> String {
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        for segment in target.split('/') {
            match segment {
                "." => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        parts.join("/")
    }

    #[test]
    fn every_module_import_and_page_reference_is_served() {
        let mut checked = 0;
        for asset in ASSETS {
            let text = std::str::from_utf8(asset.bytes).expect("assets are UTF-8");
            for (marker, end) in [(" from \"", '"'), ("src=\"", '"'), ("href=\"", '"')] {
                for piece in text.split(marker).skip(1) {
                    let target = &piece[..piece.find(end).expect("closing quote")];
                    if target.starts_with('#') || target.contains("://") || target.contains('$') {
                        continue;
                    }
                    let target = target
                        .strip_prefix("/ui/")
                        .map_or_else(|| resolve(asset.path, target), str::to_string);
                    assert!(
                        ASSETS.iter().any(|a| a.path == target),
                        "{} refers to {target}, which is not served",
                        asset.path
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10, "only {checked} references found");
    }

    #[test]
    fn unknown_assets_are_404_and_known_ones_carry_the_policy() {
        assert_eq!(serve("js/missing.js").status(), 404);
        let response = serve("js/main.js");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[header::CONTENT_TYPE], JS);
        assert!(
            response
                .headers()
                .contains_key(header::CONTENT_SECURITY_POLICY)
        );
    }
}
