//! Requests per day, counted per model and Pacific day across all workers (Gemini's
//! RPD resets at midnight Pacific), and the block a model is under once its daily
//! quota is used up — by our count or by a per-day 429. Calls are counted with their
//! slot's reservation (`WorkerStore::reserve_calls`), in the same script.

use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use tally_core::run::next_pacific_midnight;

use super::{Store, StoreError, WorkerStore};

impl WorkerStore {
    /// A per-day 429 said `model`'s daily quota is used up: every worker waits
    /// until the next Pacific midnight. Returns that moment.
    pub async fn daily_quota_exhausted(&self, model: &str) -> Result<DateTime<Utc>, StoreError> {
        let reset = next_pacific_midnight(Utc::now());
        let key = self.keys.daily_block(model);
        let mut conn = self.conn();
        let _: () = conn.set(&key, reset.timestamp_millis()).await?;
        let _: bool = conn.pexpire_at(&key, reset.timestamp_millis()).await?;
        Ok(reset)
    }
}

impl Store {
    /// Until when `model` waits for its daily quota; `None` when it does not.
    pub async fn daily_block(&self, model: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let until: Option<i64> = self.conn().get(self.keys.daily_block(model)).await?;
        Ok(until
            .filter(|ms| *ms > Utc::now().timestamp_millis())
            .and_then(DateTime::from_timestamp_millis))
    }
}
