//! Record results: written once per (experiment, record, trial), counted once.
//!
//! A result's field in the results hash is `RecordResult::key` — the record id for
//! trial 0 (the layout from before trials), the id and the trial after it; the
//! attempts hash and the order list use the same key.
//!
//! A chunk job may run twice (its worker died, or Redis dropped the ack), so every
//! record goes through `begin_records` (`record_starts`) — which says whether a
//! result exists already, whether the run was cancelled or the experiment stopped,
//! takes one of the experiment's `jobs` call leases, and counts attempts so a record
//! that keeps killing its worker is given up on — and `write_results`
//! (`result_writes`), whose `HSETNX` lets only the first result in, bumps the
//! counters, adds the result to the experiment's running totals (`ResultTotals`, so
//! `finalize` never reads every result) and gives the lease back in the same script.
//!
//! The lease is taken and returned inside these two scripts so the cluster-wide cap
//! costs no extra round trip per record (see `leases.rs` for renewal and expiry).

use super::result_codec::decode;
use super::{Store, StoreError};
use tally_core::run::{ExperimentId, RecordResult, ResultTotals, result_key};

impl Store {
    /// Results in the order they were written: `limit` from `offset`.
    pub async fn results_page(
        &self,
        experiment: &ExperimentId,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<RecordResult>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = redis::cmd("LRANGE")
            .arg(self.keys.experiment_order(experiment))
            .arg(offset)
            .arg(offset + limit - 1)
            .query_async(&mut self.conn())
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.keys.experiment_results(experiment);
        let rows: Vec<Option<Vec<u8>>> = redis::cmd("HMGET")
            .arg(&key)
            .arg(&ids)
            .query_async(&mut self.conn())
            .await?;
        rows.iter().flatten().map(|row| decode(&key, row)).collect()
    }

    /// Every result of an experiment (for its summary and exports).
    pub async fn all_results(
        &self,
        experiment: &ExperimentId,
    ) -> Result<Vec<RecordResult>, StoreError> {
        let key = self.keys.experiment_results(experiment);
        let rows: Vec<Vec<u8>> = redis::cmd("HVALS")
            .arg(&key)
            .query_async(&mut self.conn())
            .await?;
        rows.iter().map(|row| decode(&key, row)).collect()
    }

    /// The running totals of an experiment's results (one read, whatever their number).
    pub async fn result_totals(
        &self,
        experiment: &ExperimentId,
    ) -> Result<ResultTotals, StoreError> {
        let fields: Vec<(String, i64)> = redis::cmd("HGETALL")
            .arg(self.keys.experiment_totals(experiment))
            .query_async(&mut self.conn())
            .await?;
        Ok(ResultTotals::from_fields(fields))
    }

    /// One record's result at one trial, if it has one.
    pub async fn record_result(
        &self,
        experiment: &ExperimentId,
        record_id: &str,
        trial: u32,
    ) -> Result<Option<RecordResult>, StoreError> {
        let key = self.keys.experiment_results(experiment);
        let row: Option<Vec<u8>> = redis::cmd("HGET")
            .arg(&key)
            .arg(result_key(record_id, trial))
            .query_async(&mut self.conn())
            .await?;
        row.map(|row| decode(&key, &row)).transpose()
    }
}
