//! How many jobs wait in each queue, read from apalis-redis's own keys (for the
//! `/metrics` gauges). Every push lands in the queue's `scheduled` set first and moves
//! to its `active` list when due; both count as waiting. Jobs a worker holds are not
//! counted here.

use super::Queues;
use crate::{Store, StoreError};

/// The waiting jobs of one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    /// `plan`, `chunk` or `finalize`.
    pub kind: &'static str,
    pub waiting: u64,
}

impl Queues {
    /// The depth of the plan, chunk and finalize queues, in one round trip.
    pub async fn depths(&self, store: &Store) -> Result<Vec<QueueDepth>, StoreError> {
        let configs = self.configs();
        let mut pipe = redis::pipe();
        for (_, config) in &configs {
            pipe.cmd("LLEN").arg(config.active_jobs_list());
            pipe.cmd("ZCARD").arg(config.scheduled_jobs_set());
        }
        let counts: Vec<u64> = pipe.query_async(&mut store.conn()).await?;
        Ok(configs
            .iter()
            .zip(counts.chunks(2))
            .map(|((kind, _), pair)| QueueDepth {
                kind,
                waiting: pair.iter().sum(),
            })
            .collect())
    }
}
