//! The HTTP server: our own accept loop over hyper, because one fault needs it — a
//! handler marks its response with [`ResetConnection`] and the connection is dropped
//! without an answer, as a reset would leave the client.

use std::future::Future;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Marker extension: close the connection instead of sending this response.
#[derive(Clone, Copy, Debug)]
pub struct ResetConnection;

#[derive(Debug, thiserror::Error)]
#[error("connection reset by fault injection")]
struct Reset;

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn run(router: Router, listener: TcpListener, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        // Small responses must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let router = router.clone();
                async move {
                    let response = match router.oneshot(request).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    };
                    if response.extensions().get::<ResetConnection>().is_some() {
                        return Err(Reset);
                    }
                    Ok::<_, Reset>(response)
                }
            });
            // Errors here are the client going away or an injected reset: nothing to do.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
