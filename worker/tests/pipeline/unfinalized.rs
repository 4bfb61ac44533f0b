//! An experiment left complete but not final, as a worker leaves it that died right
//! after writing the last result: every chunk but the last ran as a worker runs it
//! (`chunk::handle`); the last chunk's calls were made and their results written,
//! and nothing after that (not its finalize).

use std::sync::Arc;

use apalis::prelude::Data;
use tally_core::run::ExperimentId;
use tally_store::ResultWrite;
use tally_store::jobs::ChunkJob;
use tally_worker::Context;
use tally_worker::jobs::chunk;
use tally_worker::record;

pub async fn complete_but_not_final(context: &Arc<Context>, experiment: &ExperimentId) {
    let planned = context
        .experiment_record(experiment)
        .await
        .unwrap()
        .unwrap();
    let last = planned.chunk_count() - 1;
    for chunk in 0..last {
        let job = ChunkJob {
            experiment_id: experiment.clone(),
            chunk,
        };
        chunk::handle(job, Data::new(context.clone()))
            .await
            .unwrap();
    }
    let (name, hash) = (&planned.dataset.name, &planned.dataset.content_hash);
    let mut writes = Vec::new();
    for unit in planned.chunk_units(last) {
        let records = context
            .store
            .dataset_records_at(name, hash, &[unit.position])
            .await
            .unwrap();
        let result = record::execute(context, &planned, &records[0], unit.trial).await;
        writes.push(ResultWrite::new(&result, None).unwrap());
    }
    let (written, progress) = context
        .store
        .write_results(experiment, &writes)
        .await
        .unwrap();
    assert!(written.iter().all(|&kept| kept), "{written:?}");
    assert!(progress.is_complete(), "{progress:?}");
}
