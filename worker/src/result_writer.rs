//! The process's result writer: every record's result goes through one group-commit
//! queue (`group_commit`), so results finished at about the same time are written
//! with one script per experiment (`WorkerStore::write_results`).

use tally_core::run::{ExperimentId, Progress};
use tally_store::{ResultWrite, StoreError, WorkerStore};

use crate::group_commit::{Flush, GroupCommit};

/// Hands results to the store in groups; each caller gets back whether its result
/// was the one kept and the experiment's progress after its group.
pub type ResultWriter = GroupCommit<WriteResults>;

pub struct WriteResults {
    pub store: WorkerStore,
}

impl Flush for WriteResults {
    type Key = ExperimentId;
    type Item = ResultWrite;
    type Reply = (bool, Progress);

    async fn flush(
        &self,
        experiment: &ExperimentId,
        items: Vec<ResultWrite>,
    ) -> Result<Vec<(bool, Progress)>, StoreError> {
        let (written, progress) = self.store.write_results(experiment, &items).await?;
        Ok(written.into_iter().map(|kept| (kept, progress)).collect())
    }
}
