//! The process's record starter: every record's `begin` goes through one group-commit
//! queue (`group_commit`), so records started at about the same time are decided
//! with one script per experiment (`WorkerStore::begin_records`).

use std::time::Duration;

use tally_core::run::{ExperimentId, RunId};
use tally_store::{RecordBegin, RecordStart, StoreError, WorkerStore};

use crate::group_commit::{Flush, GroupCommit};

pub type RecordStarter = GroupCommit<StartRecords>;

/// One record to start: its run, its experiment's `jobs` cap, its key and lease id.
pub struct Start {
    pub run: RunId,
    pub cap: u64,
    pub begin: RecordBegin,
}

pub struct StartRecords {
    pub store: WorkerStore,
    /// The leases' time-to-live (`TALLY_LEASE_SECS`).
    pub lease_ttl: Duration,
}

impl Flush for StartRecords {
    type Key = ExperimentId;
    type Item = Start;
    type Reply = RecordStart;

    async fn flush(
        &self,
        experiment: &ExperimentId,
        items: Vec<Start>,
    ) -> Result<Vec<RecordStart>, StoreError> {
        // An experiment's records share its run and its cap.
        let Some(first) = items.first() else {
            return Ok(Vec::new());
        };
        let (run, cap) = (first.run.clone(), first.cap);
        let begins: Vec<RecordBegin> = items.into_iter().map(|item| item.begin).collect();
        self.store
            .begin_records(&run, experiment, cap, self.lease_ttl, &begins)
            .await
    }
}
