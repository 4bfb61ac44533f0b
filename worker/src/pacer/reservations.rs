//! The pacer's limiter reservations: every paced call's slot goes through one
//! group-commit queue (`group_commit`) keyed by model, so calls that ask at about
//! the same time reserve their slots, in order, with one script per model
//! (`WorkerStore::reserve_calls`).

use std::time::Duration;

use tally_store::{ModelPace, Reservation, StoreError, WorkerStore};

use crate::group_commit::{Flush, GroupCommit};

pub type CallReservations = GroupCommit<ReserveCalls>;

/// One call's reservation and its model's pace.
pub struct Reserve {
    pub pace: ModelPace,
    pub call: Reservation,
}

pub struct ReserveCalls {
    pub store: WorkerStore,
}

impl Flush for ReserveCalls {
    type Key = String;
    type Item = Reserve;
    type Reply = Duration;

    async fn flush(
        &self,
        model: &String,
        items: Vec<Reserve>,
    ) -> Result<Vec<Duration>, StoreError> {
        // A model's calls share its pace (one process, one quotas file).
        let Some(first) = items.first() else {
            return Ok(Vec::new());
        };
        let pace = first.pace;
        let calls: Vec<Reservation> = items.iter().map(|item| item.call).collect();
        self.store.reserve_calls(model, &pace, &calls).await
    }
}
