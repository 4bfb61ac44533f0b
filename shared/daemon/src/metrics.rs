//! The Prometheus side every daemon shares: a registry's text exposition, and the
//! small server that answers `GET /metrics` with it (the worker and the scheduler;
//! the API answers the route itself, on its own port, with [`exposition`]).

use std::future::Future;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus::{Encoder, Registry, TextEncoder};
use tokio::net::TcpListener;

/// The content type of the text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `registry` in the text exposition format.
pub fn render(registry: &Registry) -> Result<String, String> {
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&registry.gather(), &mut buffer)
        .map_err(|e| e.to_string())?;
    String::from_utf8(buffer).map_err(|e| e.to_string())
}

/// The answer to a scrape of `registry`: the exposition, or 503 when it cannot be
/// encoded (a malformed metric family; the registries' constructors rule it out).
pub fn exposition(registry: &Registry) -> Response {
    match render(registry) {
        Ok(text) => {
            let mut response = text.into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            response
        }
        Err(error) => {
            tracing::error!(%error, "could not encode the metrics");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("metrics unavailable: {error}\n"),
            )
                .into_response()
        }
    }
}

/// Serves `GET /metrics` (the exposition of `registry`) on `listener` until
/// `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    registry: Registry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().route(
        "/metrics",
        get(move || async move { exposition(&registry) }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus::IntCounter;

    #[tokio::test]
    async fn serves_the_registry_on_metrics() {
        let registry = Registry::new();
        let counter = IntCounter::new("tally_test_total", "A test counter").unwrap();
        registry.register(Box::new(counter.clone())).unwrap();
        counter.inc();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, registry, async {
            let _ = stopped.await;
        }));
        let answer = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let content_type = answer.headers()[reqwest::header::CONTENT_TYPE].clone();
        assert_eq!(content_type, CONTENT_TYPE);
        let text = answer.text().await.unwrap();
        assert!(text.contains("tally_test_total 1"), "{text}");
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}
