//! The HTTP server: the shared limited server over our own service, because one fault
//! needs it — a handler marks its response with [`ResetConnection`] and the connection
//! is dropped without an answer, as a reset would leave the client.

use std::future::Future;

use axum::Router;
use tally_daemon::serve::{ConnectionLimits, TimedBody, serve};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Marker extension: close the connection instead of sending this response.
#[derive(Clone, Copy, Debug)]
pub struct ResetConnection;

#[derive(Debug, thiserror::Error)]
#[error("connection reset by fault injection")]
struct Reset;

/// Serves `router` on `listener` within `limits` until `shutdown` resolves.
pub async fn run(
    router: Router,
    listener: TcpListener,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let service = hyper::service::service_fn(move |request: hyper::Request<TimedBody>| {
        let router = router.clone();
        async move {
            let response = match router.oneshot(request.map(axum::body::Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<ResetConnection>().is_some() {
                return Err(Reset);
            }
            Ok::<_, Reset>(response)
        }
    });
    serve(listener, limits, service, shutdown).await;
}
