//! How many jobs wait in each queue, read from apalis-redis's own keys (for the
//! `/metrics` gauges). Every push lands in the queue's `scheduled` set first and moves
//! to its `active` list when due; both count as waiting. Jobs a worker holds are not
//! counted here.

use super::layouts;
use crate::{Store, StoreError};

/// The waiting jobs of one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    /// `plan`, `chunk` or `finalize`.
    pub kind: &'static str,
    pub waiting: u64,
}

impl Store {
    /// The depth of the plan, chunk and finalize queues, in one round trip.
    pub async fn queue_depths(&self) -> Result<Vec<QueueDepth>, StoreError> {
        let layouts = layouts(&self.keys);
        let mut pipe = redis::pipe();
        for (_, layout) in &layouts {
            pipe.cmd("LLEN").arg(layout.active());
            pipe.cmd("ZCARD").arg(layout.scheduled());
        }
        let counts: Vec<u64> = pipe.query_async(&mut self.conn()).await?;
        Ok(layouts
            .iter()
            .zip(counts.chunks(2))
            .map(|((kind, _), pair)| QueueDepth {
                kind,
                waiting: pair.iter().sum(),
            })
            .collect())
    }
}
