//! The pacer's limiter reservations: every call's slot (and its count against the
//! model's requests per day) goes through one group-commit queue (`group_commit`)
//! keyed by model, so calls that ask at about the same time reserve their slots, in
//! order, with one script per model (`WorkerStore::reserve_calls`).

use tally_store::{ModelPace, Reservation, Slot, StoreError, WorkerStore};

use crate::group_commit::{Flush, GroupCommit};

pub type CallReservations = GroupCommit<ReserveCalls>;

/// One call's reservation and its model's limits.
pub struct Reserve {
    pub pace: ModelPace,
    /// Requests per day (0 = none).
    pub requests_per_day: u64,
    pub call: Reservation,
}

pub struct ReserveCalls {
    pub store: WorkerStore,
}

impl Flush for ReserveCalls {
    type Key = String;
    type Item = Reserve;
    type Reply = Slot;

    async fn flush(&self, model: &String, items: Vec<Reserve>) -> Result<Vec<Slot>, StoreError> {
        // A model's calls share its limits (one process, one quotas file).
        let Some(first) = items.first() else {
            return Ok(Vec::new());
        };
        let (pace, requests_per_day) = (first.pace, first.requests_per_day);
        let calls: Vec<Reservation> = items.iter().map(|item| item.call).collect();
        self.store
            .reserve_calls(model, &pace, requests_per_day, &calls)
            .await
    }
}
