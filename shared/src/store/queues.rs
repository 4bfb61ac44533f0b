//! What the job queues hold, read from apalis-redis's own keys (for metrics and
//! autoscaling on queue depth).

use super::{Store, StoreError};

impl Store {
    /// Jobs waiting in the queue of `kind`: due (`active` list) plus scheduled.
    pub async fn queue_depth(&self, kind: &str) -> Result<u64, StoreError> {
        let (active, scheduled): (u64, u64) = redis::pipe()
            .cmd("LLEN")
            .arg(self.keys.queue_active(kind))
            .cmd("ZCARD")
            .arg(self.keys.queue_scheduled(kind))
            .query_async(&mut self.conn())
            .await?;
        Ok(active + scheduled)
    }
}
