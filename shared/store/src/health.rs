//! Whether the store answers: one `PING` (the API's `/readyz` and health routes).

use super::{Store, StoreError};

impl Store {
    /// Succeeds when Redis answers a `PING`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        redis::cmd("PING")
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }
}
