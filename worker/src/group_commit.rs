//! Group commit: the per-record store work of concurrent records (starting a record,
//! writing its result, pacing its model call) handed to one queue per process and
//! sent in groups, one script per key (an experiment, a model), so records share
//! round trips and the per-group work.
//!
//! No record waits for a timer or for the group ahead of it: a draining task takes
//! whatever is queued at that moment (at most `MAX_GROUP`; a lone item goes at once),
//! splits it by key and spawns a flush per key, its items in the order they came.
//! Up to `MAX_FLIGHTS` flushes are in flight at once; only while all are does the
//! queue grow, and the next group is larger for it (an earlier design that flushed
//! one group at a time made every record wait behind the group ahead).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use tally_store::StoreError;
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Items one flush takes at most (bounds a script's arguments and run time).
pub const MAX_GROUP: usize = 64;

/// Flushes of one queue in flight at once. Fewer make larger groups (Redis commands
/// per record in the benchmark's dispatch phase: 11.0–11.2 against 12.4 with 8) and
/// were not slower: a flush takes well under a millisecond.
const MAX_FLIGHTS: usize = 4;

/// What a queue does with a group of one key's items, in one round trip.
pub trait Flush: Send + Sync + 'static {
    /// What items are grouped by (one script each).
    type Key: Eq + Hash + Clone + Send + Sync + 'static;
    type Item: Send + 'static;
    type Reply: Send + 'static;

    /// One reply per item, in the items' order.
    fn flush(
        &self,
        key: &Self::Key,
        items: Vec<Self::Item>,
    ) -> impl Future<Output = Result<Vec<Self::Reply>, StoreError>> + Send;
}

struct Entry<F: Flush> {
    key: F::Key,
    item: F::Item,
    reply: oneshot::Sender<Result<F::Reply, StoreError>>,
}

/// A queue whose items are flushed in groups by `F`.
pub struct GroupCommit<F: Flush> {
    queue: mpsc::UnboundedSender<Entry<F>>,
}

impl<F: Flush> GroupCommit<F> {
    /// Starts the draining task on the current runtime; it ends when the queue is
    /// dropped.
    pub fn start(flush: F) -> Self {
        let (queue, entries) = mpsc::unbounded_channel();
        tokio::spawn(drain(Arc::new(flush), entries));
        GroupCommit { queue }
    }

    /// Hands `item` over and waits for its reply.
    pub async fn submit(&self, key: &F::Key, item: F::Item) -> Result<F::Reply, StoreError> {
        let (reply, answer) = oneshot::channel();
        let entry = Entry {
            key: key.clone(),
            item,
            reply,
        };
        self.queue.send(entry).map_err(|_| StoreError::Unanswered)?;
        answer.await.map_err(|_| StoreError::Unanswered)?
    }
}

async fn drain<F: Flush>(flush: Arc<F>, mut entries: mpsc::UnboundedReceiver<Entry<F>>) {
    let flights = Arc::new(Semaphore::new(MAX_FLIGHTS));
    let mut taken = Vec::with_capacity(MAX_GROUP);
    while entries.recv_many(&mut taken, MAX_GROUP).await > 0 {
        let mut groups: HashMap<F::Key, Vec<Entry<F>>> = HashMap::new();
        for entry in taken.drain(..) {
            groups.entry(entry.key.clone()).or_default().push(entry);
        }
        for (key, group) in groups {
            // The semaphore is never closed.
            let Ok(flight) = flights.clone().acquire_owned().await else {
                return;
            };
            let flush = flush.clone();
            tokio::spawn(async move {
                let (items, replies): (Vec<_>, Vec<_>) =
                    group.into_iter().map(|e| (e.item, e.reply)).unzip();
                match flush.flush(&key, items).await {
                    // A reply left without an answer reads as `Unanswered`.
                    Ok(answers) => {
                        for (reply, answer) in replies.into_iter().zip(answers) {
                            let _ = reply.send(Ok(answer));
                        }
                    }
                    Err(error) => {
                        for reply in replies {
                            let _ = reply.send(Err(error.clone()));
                        }
                    }
                }
                drop(flight);
            });
        }
    }
}
