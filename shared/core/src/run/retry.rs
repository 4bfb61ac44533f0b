//! Retries: a run and the runs that retry its unsuccessful records form a chain, and
//! the chain gives one result per experiment — each (record, trial) counted once,
//! its latest attempt winning.

use std::collections::{HashMap, HashSet};

use crate::contract::ExperimentStatus;

use super::model::{RecordResult, RecordStatus, result_key};

/// One result per (record, trial) from a chain's attempts at one experiment, given
/// first run first: a later attempt replaces an earlier one. Results keep the order
/// in which they first appeared.
pub fn merge_attempts(attempts: Vec<Vec<RecordResult>>) -> Vec<RecordResult> {
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut merged: Vec<RecordResult> = Vec::new();
    for result in attempts.into_iter().flatten() {
        match position.get(&result.key()) {
            Some(&at) => merged[at] = result,
            None => {
                position.insert(result.key(), merged.len());
                merged.push(result);
            }
        }
    }
    merged
}

/// What a retry executes: the sample positions with at least one trial that has not
/// succeeded (failed, or no result at all: cancelled or never started) and, when
/// the experiment has more than one trial, those trials of each position.
/// `sample_ids` are the sample's record ids in order.
pub fn unsucceeded_units(
    sample_ids: &[String],
    trials: u32,
    merged: &[RecordResult],
) -> (Vec<u64>, Vec<Vec<u32>>) {
    let succeeded: HashSet<String> = merged
        .iter()
        .filter(|r| r.status == RecordStatus::Succeeded)
        .map(RecordResult::key)
        .collect();
    let mut indices = Vec::new();
    let mut missing_trials = Vec::new();
    for (index, id) in sample_ids.iter().enumerate() {
        let missing: Vec<u32> = (0..trials.max(1))
            .filter(|&trial| !succeeded.contains(&result_key(id, trial)))
            .collect();
        if !missing.is_empty() {
            indices.push(index as u64);
            missing_trials.push(missing);
        }
    }
    // One trial: the scope's positions say it all (the layout from before trials).
    if trials <= 1 {
        missing_trials.clear();
    }
    (indices, missing_trials)
}

/// The status of an experiment over its whole chain, once every run of the chain is
/// final: complete when each of the `total` record × trial pairs of the sample has a
/// result (then it succeeded unless every one failed, as for a single run);
/// otherwise the latest attempt's cancel shows, and anything else is a failure
/// naming what is missing.
pub fn combined_status(
    total: u64,
    merged: &[RecordResult],
    latest: ExperimentStatus,
) -> (ExperimentStatus, Option<String>) {
    let succeeded = merged
        .iter()
        .filter(|r| r.status == RecordStatus::Succeeded)
        .count();
    let missing = total.saturating_sub(merged.len() as u64);
    if missing > 0 && latest == ExperimentStatus::Cancelled {
        return (
            ExperimentStatus::Cancelled,
            Some("the latest attempt was cancelled".to_string()),
        );
    }
    if missing > 0 {
        return (
            ExperimentStatus::Failed,
            Some(format!("{missing} records have no result")),
        );
    }
    if succeeded == 0 && total > 0 {
        return (
            ExperimentStatus::Failed,
            Some("every record failed".to_string()),
        );
    }
    (ExperimentStatus::Success, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluators::Evaluations;
    use chrono::Utc;

    fn result(id: &str, status: RecordStatus) -> RecordResult {
        RecordResult {
            record_id: id.to_string(),
            trial: 0,
            status,
            output: None,
            evaluations: Evaluations::default(),
            error: None,
            latency_ms: 1,
            tokens: Default::default(),
            cost_usd: None,
            attempts: 1,
            rate_limited: 0,
            model_version: None,
            finish_reason: None,
            emulated: true,
            cached: false,
            cached_cost_usd: None,
            worker: None,
            cpu_ms: None,
            ocr: None,
            finished_at: Utc::now(),
        }
    }

    #[test]
    fn the_latest_attempt_wins_and_each_record_counts_once() {
        let first = vec![
            result("a", RecordStatus::Succeeded),
            result("b", RecordStatus::Failed),
        ];
        let retry = vec![
            result("b", RecordStatus::Succeeded),
            result("c", RecordStatus::Failed),
        ];
        let merged = merge_attempts(vec![first, retry]);
        let view: Vec<(&str, RecordStatus)> = merged
            .iter()
            .map(|r| (r.record_id.as_str(), r.status))
            .collect();
        assert_eq!(
            view,
            [
                ("a", RecordStatus::Succeeded),
                ("b", RecordStatus::Succeeded),
                ("c", RecordStatus::Failed)
            ]
        );
    }

    #[test]
    fn failed_and_missing_records_are_retried() {
        let ids: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let merged = vec![
            result("a", RecordStatus::Succeeded),
            result("b", RecordStatus::Failed),
            result("d", RecordStatus::Succeeded),
        ];
        assert_eq!(
            unsucceeded_units(&ids, 1, &merged),
            (vec![1, 2], Vec::<Vec<u32>>::new())
        );
    }

    #[test]
    fn with_trials_only_the_missing_pairs_are_retried() {
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let at = |id: &str, trial: u32, status| RecordResult {
            trial,
            ..result(id, status)
        };
        // a: all three trials succeeded; b: trial 1 failed, trial 2 never ran;
        // c: only trial 0 failed, and a retry (merged later) made it succeed.
        let first = vec![
            at("a", 0, RecordStatus::Succeeded),
            at("a", 1, RecordStatus::Succeeded),
            at("a", 2, RecordStatus::Succeeded),
            at("b", 0, RecordStatus::Succeeded),
            at("b", 1, RecordStatus::Failed),
            at("c", 0, RecordStatus::Failed),
            at("c", 1, RecordStatus::Succeeded),
            at("c", 2, RecordStatus::Succeeded),
        ];
        let retry = vec![at("c", 0, RecordStatus::Succeeded)];
        let merged = merge_attempts(vec![first, retry]);
        assert_eq!(merged.len(), 8, "c's trial 0 is replaced, not added");
        assert_eq!(
            unsucceeded_units(&ids, 3, &merged),
            (vec![1], vec![vec![1, 2]])
        );
        assert_eq!(
            combined_status(9, &merged, ExperimentStatus::Success).1,
            Some("1 records have no result".to_string())
        );
    }

    #[test]
    fn a_chain_is_complete_when_every_record_has_a_result() {
        let merged = vec![
            result("a", RecordStatus::Succeeded),
            result("b", RecordStatus::Failed),
        ];
        assert_eq!(
            combined_status(2, &merged, ExperimentStatus::Failed).0,
            ExperimentStatus::Success
        );
        assert_eq!(
            combined_status(3, &merged, ExperimentStatus::Cancelled).0,
            ExperimentStatus::Cancelled
        );
        assert_eq!(
            combined_status(3, &merged, ExperimentStatus::Success),
            (
                ExperimentStatus::Failed,
                Some("1 records have no result".to_string())
            )
        );
    }
}
