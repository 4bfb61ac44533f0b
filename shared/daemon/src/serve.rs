//! Serving HTTP/1 so that slow or idle clients cannot hold the server: a client must
//! send its headers within `header_read_timeout` and its body within
//! `body_read_timeout`, a connection with no traffic for `idle_timeout` is closed,
//! and at most `max_connections` are open at once (further clients wait in the
//! listen backlog). Every tally HTTP server goes through [`serve`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};

use crate::settings::{Environment, InvalidSetting};

/// The limits of one server; every one is a setting (see [`LimitNames`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    /// Generous for any honest client on a slow link, short enough that held
    /// connections are given back within a minute; 1,024 connections stay below the
    /// usual soft limit of open files with room for Redis and dataset files.
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// The setting names of one server's limits.
pub struct LimitNames {
    pub header_read_timeout: &'static str,
    pub body_read_timeout: &'static str,
    pub idle_timeout: &'static str,
    pub max_connections: &'static str,
}

impl ConnectionLimits {
    /// The defaults, overridden by whichever of `names` are set (positive integers:
    /// seconds for the timeouts).
    pub fn from_environment(
        env: &Environment,
        names: &LimitNames,
    ) -> Result<ConnectionLimits, InvalidSetting> {
        let defaults = ConnectionLimits::default();
        let seconds = |name: &'static str, default: Duration| {
            Ok::<_, InvalidSetting>(
                env.parse_non_blank(name, positive)?
                    .map_or(default, Duration::from_secs),
            )
        };
        Ok(ConnectionLimits {
            header_read_timeout: seconds(names.header_read_timeout, defaults.header_read_timeout)?,
            body_read_timeout: seconds(names.body_read_timeout, defaults.body_read_timeout)?,
            idle_timeout: seconds(names.idle_timeout, defaults.idle_timeout)?,
            max_connections: env
                .parse_non_blank(names.max_connections, positive)?
                .map_or(defaults.max_connections, |n| {
                    usize::try_from(n).unwrap_or(usize::MAX)
                }),
        })
    }
}

fn positive(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(format!("must be a positive integer, got {text:?}")),
    }
}

/// The error a request body yields when it was not received within
/// `body_read_timeout`; handlers find it in the cause chain of a body error to answer
/// 408.
#[derive(Debug, thiserror::Error)]
#[error("the request body was not received within {0:?}")]
pub struct BodyReadTimeout(pub Duration);

/// Whether `error` (or one of its causes) is a [`BodyReadTimeout`].
pub fn is_body_read_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<BodyReadTimeout>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The request body as handed to the service: hyper's, with a deadline.
pub struct TimedBody {
    inner: Incoming,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl Body for TimedBody {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyReadTimeout(self.limit))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `service` on `listener` within `limits` until `shutdown` resolves, then
/// lets the requests in flight finish (`on_shutdown` runs first: a server may tell
/// its long waits to end).
pub async fn serve<S, B>(
    listener: TcpListener,
    limits: ConnectionLimits,
    service: S,
    shutdown: impl Future<Output = ()>,
) where
    S: Service<Request<TimedBody>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stopping, stop) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        // The permit is taken before accepting: past the cap, clients wait in the
        // backlog instead of costing a file descriptor each.
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                // The semaphore is never closed.
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Small responses must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            serve_connection(stream, limits, service, stop).await;
            drop(permit);
        });
    }
    drop(listener);
    stopping.send_replace(true);
    // Every connection holds a permit until it ends: all permits back = all done.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
}

async fn serve_connection<S, B>(
    stream: TcpStream,
    limits: ConnectionLimits,
    service: S,
    mut stop: watch::Receiver<bool>,
) where
    S: Service<Request<TimedBody>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let started = Instant::now();
    let last_activity = Arc::new(AtomicU64::new(0));
    let stream = Tracked {
        inner: stream,
        started,
        last_activity: last_activity.clone(),
    };
    let body_limit = limits.body_read_timeout;
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let request = request.map(|inner| TimedBody {
            inner,
            limit: body_limit,
            deadline: Box::pin(tokio::time::sleep(body_limit)),
        });
        service.call(request)
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut closing = false;
    loop {
        let quiet_since = started + Duration::from_millis(last_activity.load(Ordering::Relaxed));
        tokio::select! {
            // Errors are the client going away or timing out: nothing to do.
            _ = connection.as_mut() => return,
            _ = stop.changed(), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep_until(quiet_since + limits.idle_timeout), if !closing => {
                let quiet_since =
                    started + Duration::from_millis(last_activity.load(Ordering::Relaxed));
                if quiet_since.elapsed() >= limits.idle_timeout {
                    // Closes at once when idle; a request still being answered (a
                    // long wait) is finished first.
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A TCP stream that notes when bytes last moved, for the idle timeout.
struct Tracked {
    inner: TcpStream,
    started: Instant,
    last_activity: Arc<AtomicU64>,
}

impl Tracked {
    fn touch(&self) {
        let millis = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity.store(millis, Ordering::Relaxed);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// [`serve`] for an axum router.
pub async fn serve_router(
    listener: TcpListener,
    limits: ConnectionLimits,
    router: axum::Router,
    shutdown: impl Future<Output = ()>,
) {
    use tower::ServiceExt;
    let service = hyper::service::service_fn(move |request: Request<TimedBody>| {
        router.clone().oneshot(request.map(axum::body::Body::new))
    });
    serve(listener, limits, service, shutdown).await
}
