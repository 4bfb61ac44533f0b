//! Wake-ups for idle workers: a push is announced, and an idle worker fetches at
//! once instead of on its next poll.
//!
//! apalis-redis fetches only when a worker asks, and a worker with nothing to do
//! asks on a timer. Its own pub/sub wake-up never fires for a push: its push script
//! puts every job on the scheduled set (a job due now too), and announces only jobs
//! it puts straight on the active list. So `Queues` follows every push with a
//! `PUBLISH` of the queue's kind (`plan`, `chunk`, `finalize`) on
//! `Keys::queue_pushes`, and each worker process keeps one subscription
//! (`WorkerStore::wake_on_pushes`) that wakes its fetcher of that kind.
//!
//! The timer stays, slower (`QueueSettings::idle_poll`), for what nobody announces:
//! a retry that comes due, a dead worker's job put back, a push made while the
//! subscription was down or one that landed while a fetch was already under way.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;
use futures::{Stream, StreamExt};
use redis::RedisError;

use crate::StoreConnection;
use crate::store_backoff::StoreBackoff;

/// The wake-ups of one worker process's three queue fetchers.
#[derive(Clone, Default)]
pub struct QueueWakes {
    plan: Wake,
    chunk: Wake,
    finalize: Wake,
}

impl QueueWakes {
    pub fn new() -> QueueWakes {
        QueueWakes::default()
    }

    /// What wakes the plan queue's fetcher (a stream for apalis's poll strategy).
    pub fn plan(&self) -> Wake {
        self.plan.clone()
    }

    pub fn chunk(&self) -> Wake {
        self.chunk.clone()
    }

    pub fn finalize(&self) -> Wake {
        self.finalize.clone()
    }

    fn wake(&self, kind: &str) {
        match kind {
            "plan" => self.plan.wake(),
            "chunk" => self.chunk.wake(),
            "finalize" => self.finalize.wake(),
            // Another version's kind: its workers hear it.
            _ => {}
        }
    }

    fn wake_all(&self) {
        for wake in [&self.plan, &self.chunk, &self.finalize] {
            wake.wake();
        }
    }
}

/// Subscribes to `channel` on a connection of its own and wakes the fetcher of each
/// announced kind, until the connection drops. Every queue is woken once when the
/// subscription is made (pushes made while it was down were heard by nobody), and
/// `backoff` told of the success.
pub(crate) async fn listen(
    conn: &StoreConnection,
    channel: &str,
    wakes: &QueueWakes,
    backoff: &StoreBackoff,
) -> Result<(), RedisError> {
    let mut pubsub = conn.subscriber().await?;
    pubsub.subscribe(channel).await?;
    backoff.succeeded();
    wakes.wake_all();
    let mut messages = pubsub.into_on_message();
    while let Some(message) = messages.next().await {
        if let Ok(kind) = message.get_payload::<String>() {
            wakes.wake(&kind);
        }
    }
    Ok(())
}

/// A stream that yields once after any number of wake-ups since it was last
/// polled: apalis fetches once for them all.
///
/// A wake-up heard while a fetch is under way is used up by that poll, and the
/// fetch may have looked before the push landed: so the poll after a wake-up (the
/// one that sees the fetch's answer) asks for one poll more, which fetches again
/// if the answer was empty. A wake-up costs an idle fetcher at most two fetches.
#[derive(Clone, Default)]
pub struct Wake(Arc<Signal>);

#[derive(Default)]
struct Signal {
    waker: AtomicWaker,
    woken: AtomicBool,
    /// A wake-up was used: the next poll asks for one more.
    echo: AtomicBool,
}

impl Wake {
    fn wake(&self) {
        self.0.woken.store(true, Ordering::Release);
        self.0.waker.wake();
    }

    fn use_wake_up(&self) -> Poll<Option<()>> {
        if self.0.woken.swap(false, Ordering::AcqRel) {
            self.0.echo.store(true, Ordering::Release);
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}

impl Stream for Wake {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if self.0.echo.swap(false, Ordering::AcqRel) {
            cx.waker().wake_by_ref();
        }
        if self.use_wake_up().is_ready() {
            return Poll::Ready(Some(()));
        }
        // Registered before the second look, so a wake-up in between is not lost.
        self.0.waker.register(cx.waker());
        self.use_wake_up()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use futures::task::{ArcWake, waker};

    use super::*;

    struct Wakes(AtomicUsize);

    impl ArcWake for Wakes {
        fn wake_by_ref(wakes: &Arc<Self>) {
            wakes.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn wake_ups_yield_once_and_ask_for_one_poll_more() {
        let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
        let task = waker(wakes.clone());
        let mut cx = Context::from_waker(&task);
        let woken = || wakes.0.load(Ordering::SeqCst);
        let mut wake = Wake::default();

        assert!(Pin::new(&mut wake).poll_next(&mut cx).is_pending());
        wake.wake();
        wake.wake();
        assert_eq!(woken(), 1, "the waiting task is woken");
        assert_eq!(
            Pin::new(&mut wake).poll_next(&mut cx),
            Poll::Ready(Some(()))
        );
        // The poll that sees the fetch's answer asks for one more, then no more.
        assert!(Pin::new(&mut wake).poll_next(&mut cx).is_pending());
        assert_eq!(woken(), 2);
        assert!(Pin::new(&mut wake).poll_next(&mut cx).is_pending());
        assert_eq!(woken(), 2);
    }
}
