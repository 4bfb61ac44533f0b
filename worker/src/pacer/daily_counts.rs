//! The pacer's count of requests per day: every call's request goes through one
//! group-commit queue (`group_commit`) keyed by model, so calls made at about the
//! same time are counted with one script per model
//! (`WorkerStore::take_daily_requests`), each told whether the day's quota is used
//! up as it would be counting alone, in order.

use chrono::{DateTime, Utc};
use tally_store::{StoreError, WorkerStore};

use crate::group_commit::{Flush, GroupCommit};

pub type DailyCounts = GroupCommit<CountRequests>;

pub struct CountRequests {
    pub store: WorkerStore,
}

impl Flush for CountRequests {
    type Key = String;
    /// The model's requests per day (0 = none).
    type Item = u64;
    /// Until when the daily quota is used up, if it is.
    type Reply = Option<DateTime<Utc>>;

    async fn flush(
        &self,
        model: &String,
        limits: Vec<u64>,
    ) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
        // A model's calls share its limit (one process, one quotas file).
        let limit = limits.first().copied().unwrap_or(0);
        self.store
            .take_daily_requests(model, limit, limits.len())
            .await
    }
}
