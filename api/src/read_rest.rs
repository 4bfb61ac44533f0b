//! The rest of a request's body, read after the answer. A route may refuse a request
//! before reading its body: an upload to a label set name that is taken, an archive
//! whose declared size is over the limit, a key without the role, a bad query
//! parameter. hyper would then close the connection with the body unread, and a
//! client still sending it sees the connection reset instead of the answer (a client
//! that reads the answer only once it has sent the body never sees it at all).
//!
//! So every request's body is read to its end, and dropped, once the answer is
//! given: in the background, up to `bound` bytes in all (read by the route or here;
//! the largest body the API accepts) and within the body read timeout (the
//! `TimedBody` under it), so the connection ends cleanly and the client reads the
//! answer. A body larger than `bound` is still cut off there.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use axum::body::{Body, BodyDataStream, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures::{Stream, StreamExt};

/// Middleware: hands the route the body through a [`Shared`] handle and, once the
/// route has answered, reads what it left of the body (up to `bound` bytes in all).
pub async fn read_rest(State(bound): State<u64>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let shared = Shared::new(body);
    let response = next
        .run(Request::from_parts(
            parts,
            Body::from_stream(shared.clone()),
        ))
        .await;
    if !shared.at_end() {
        tokio::spawn(shared.discard(bound));
    }
    response
}

/// One request body, read by the route and then by [`Shared::discard`], never at
/// once (the route has answered before the rest is read).
#[derive(Clone)]
struct Shared(Arc<Mutex<Reading>>);

struct Reading {
    stream: BodyDataStream,
    /// Bytes read so far, by whoever read them.
    read: u64,
}

impl Shared {
    fn new(body: Body) -> Shared {
        Shared(Arc::new(Mutex::new(Reading {
            stream: body.into_data_stream(),
            read: 0,
        })))
    }

    fn reading(&self) -> MutexGuard<'_, Reading> {
        // A panic while polling leaves the count behind at worst.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn at_end(&self) -> bool {
        self.reading().stream.is_end_stream()
    }

    /// Reads and drops the rest of the body, stopping at its end, at an error (the
    /// client went away, the body read timeout) or past `bound` bytes in all.
    async fn discard(mut self, bound: u64) {
        while let Some(Ok(_)) = self.next().await {
            if self.reading().read > bound {
                return;
            }
        }
    }
}

impl Stream for Shared {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut reading = self.reading();
        let polled = reading.stream.poll_next_unpin(cx);
        if let Poll::Ready(Some(Ok(bytes))) = &polled {
            reading.read = reading.read.saturating_add(bytes.len() as u64);
        }
        polled
    }
}
