//! `GET /api/v1/experiments/compare?ids=a,b[,c…]`: two or more experiments (of one
//! run or of different runs) side by side — their summaries, the records on which
//! their answers or scores disagree, and for each pair a paired bootstrap 95 %
//! interval of the overall-accuracy difference over the records both answered
//! (`bootstrap`), so that a small difference on a small sample reads as noise.
//!
//! With repeated trials the unit stays the record: a record's accuracy is the mean
//! of its trials, and the bootstrap resamples records, never trials (the trials of
//! one record are not independent samples, so counting them as records would
//! narrow the interval dishonestly). Answers and differences show each record's
//! first trial.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::State;
use tally_core::contract::views::{
    ComparedExperiment, Comparison, PairComparison, ProgressView, RecordAnswer, RecordAnswerStatus,
    RecordDifference,
};
use tally_core::evaluators::{OVERALL_ACCURACY, diff, record_summary_value};
use tally_core::run::{ExperimentId, RecordResult, RecordStatus};

use crate::bootstrap::{RESAMPLES, SEED, paired_bootstrap};
use crate::error::ApiError;
use crate::extract::{Params, experiment_id};
use crate::state::AppState;
use crate::views::experiment_api_url;

const MAX_COMPARED: usize = 10;
/// Records listed in `differences`; `differences_total` counts them all.
const MAX_DIFFERENCES: usize = 1000;

const METHOD: &str = "Accuracy is the mean per-record overall_accuracy over the records both \
experiments answered; with repeated trials, a record's accuracy is the mean of its trials, and \
answers show its first trial. ci95 is a paired bootstrap: the shared records are resampled with \
replacement 2000 times (ChaCha8 seeded with `seed`, so answers repeat) and the 2.5th and \
97.5th percentiles of the resampled differences are reported. An interval that contains 0 \
means the data cannot tell the two apart.";

pub async fn compare(
    State(state): State<AppState>,
    mut params: Params,
) -> Result<Json<Comparison>, ApiError> {
    let ids_text = params.text("ids");
    params.finish()?;
    let ids = parse_ids(ids_text.as_deref())?;
    let connected = state.backend.get().await?;
    let views = connected.store.experiments(&ids).await?;
    let mut experiments = Vec::with_capacity(ids.len());
    for (id, view) in ids.iter().zip(views) {
        let view = view.ok_or_else(|| ApiError::NotFound {
            message: format!("ids: no experiment {id}"),
            field: Some("ids"),
        })?;
        let results = connected.store.all_results(id).await?;
        experiments.push((view, by_record(results)));
    }
    let compared = experiments
        .iter()
        .map(|(view, _)| ComparedExperiment {
            experiment_id: view.record.experiment_id.to_string(),
            run_id: view.record.run_id.to_string(),
            experiment_name: view.record.name.clone(),
            model: view.record.config.model.as_str().to_string(),
            temperature: view.record.config.temperature.get(),
            status: view.phase,
            progress: ProgressView::of(view.progress),
            summary: view.summary.clone(),
            detail_url: experiment_api_url(&state, view.record.experiment_id.as_str()),
        })
        .collect();
    let results: Vec<&BTreeMap<String, Vec<RecordResult>>> =
        experiments.iter().map(|(_, r)| r).collect();
    let (differences_total, differences) = differences(&ids, &results);
    let shared_records = results.first().map_or(0, |first| {
        first
            .keys()
            .filter(|record| results.iter().all(|r| r.contains_key(*record)))
            .count()
    });
    let mut pairs = Vec::new();
    for i in 0..ids.len() {
        for j in i + 1..ids.len() {
            pairs.push(pair(&ids[i], &ids[j], results[i], results[j]));
        }
    }
    Ok(Json(Comparison {
        experiments: compared,
        shared_records,
        differences_total,
        differences,
        pairs,
        method: METHOD.to_string(),
    }))
}

fn parse_ids(text: Option<&str>) -> Result<Vec<ExperimentId>, ApiError> {
    let Some(text) = text else {
        return Err(ApiError::invalid(
            "ids",
            "is required: two or more experiment ids separated by commas",
        ));
    };
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() < 2 || parts.len() > MAX_COMPARED {
        return Err(ApiError::invalid(
            "ids",
            format!(
                "must name 2 to {MAX_COMPARED} experiments separated by commas, got {}",
                parts.len()
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut ids = Vec::with_capacity(parts.len());
    for part in parts {
        let id = experiment_id(part).map_err(|error| ApiError::NotFound {
            message: format!("ids: {error}"),
            field: Some("ids"),
        })?;
        if !seen.insert(id.clone()) {
            return Err(ApiError::invalid("ids", format!("names {id} twice")));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Each record's results, trial 0 first.
fn by_record(results: Vec<RecordResult>) -> BTreeMap<String, Vec<RecordResult>> {
    let mut by_record: BTreeMap<String, Vec<RecordResult>> = BTreeMap::new();
    for result in results {
        by_record
            .entry(result.record_id.clone())
            .or_default()
            .push(result);
    }
    for trials in by_record.values_mut() {
        trials.sort_by_key(|r| r.trial);
    }
    by_record
}

/// A record's overall accuracy, computed exactly as the `overall_accuracy` summary
/// evaluator computes it per record (so the means here match the summaries).
fn record_accuracy(result: &RecordResult) -> Option<f64> {
    record_summary_value(OVERALL_ACCURACY, &result.evaluations)
}

/// The mean accuracy of a record's trials: one value per record, whatever the
/// number of trials, so the bootstrap's unit is the record.
fn mean_accuracy(trials: &[RecordResult]) -> Option<f64> {
    let values: Vec<f64> = trials.iter().filter_map(record_accuracy).collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn differences(
    ids: &[ExperimentId],
    results: &[&BTreeMap<String, Vec<RecordResult>>],
) -> (usize, Vec<RecordDifference>) {
    let records: BTreeSet<&String> = results.iter().flat_map(|r| r.keys()).collect();
    let mut total = 0;
    let mut listed = Vec::new();
    for record in records {
        let found: Vec<Option<&RecordResult>> = results
            .iter()
            .map(|r| r.get(record).and_then(|trials| trials.first()))
            .collect();
        let answers: Vec<RecordAnswer> = ids
            .iter()
            .zip(&found)
            .map(|(id, result)| RecordAnswer {
                experiment_id: id.to_string(),
                status: match result.map(|r| r.status) {
                    Some(RecordStatus::Succeeded) => RecordAnswerStatus::Succeeded,
                    Some(RecordStatus::Failed) => RecordAnswerStatus::Failed,
                    None => RecordAnswerStatus::Missing,
                },
                overall_accuracy: result.and_then(record_accuracy),
                error_kind: result.and_then(|r| r.error.as_ref().map(|e| e.kind.clone())),
            })
            .collect();
        let differing_fields = differing_fields(&found);
        let first = &answers[0];
        let disagree = !differing_fields.is_empty()
            || answers
                .iter()
                .any(|a| a.status != first.status || a.overall_accuracy != first.overall_accuracy);
        if !disagree {
            continue;
        }
        total += 1;
        if listed.len() < MAX_DIFFERENCES {
            listed.push(RecordDifference {
                record_id: record.clone(),
                answers,
                differing_fields,
            });
        }
    }
    (total, listed)
}

/// Paths where any answer's reports differ from the first answer that has reports.
fn differing_fields(found: &[Option<&RecordResult>]) -> Vec<String> {
    let outputs: Vec<&[tally_core::extraction::Report]> = found
        .iter()
        .filter_map(|r| r.and_then(|r| r.output.as_deref()))
        .collect();
    let Some((reference, others)) = outputs.split_first() else {
        return Vec::new();
    };
    let paths: BTreeSet<String> = others
        .iter()
        .flat_map(|other| diff(reference, other))
        .map(|difference| difference.path().to_string())
        .collect();
    paths.into_iter().collect()
}

fn pair(
    a: &ExperimentId,
    b: &ExperimentId,
    results_a: &BTreeMap<String, Vec<RecordResult>>,
    results_b: &BTreeMap<String, Vec<RecordResult>>,
) -> PairComparison {
    let pairs: Vec<(f64, f64)> = results_a
        .iter()
        .filter_map(|(record, ra)| {
            let rb = results_b.get(record)?;
            Some((mean_accuracy(ra)?, mean_accuracy(rb)?))
        })
        .collect();
    let bootstrap = paired_bootstrap(&pairs, RESAMPLES, SEED);
    let significant = bootstrap.ci95.is_some_and(|ci| !ci.contains_zero());
    let verdict = match (bootstrap.difference, bootstrap.ci95) {
        (Some(d), Some(ci)) if significant => format!(
            "{} is more accurate by {:.3} (95% CI of a - b: [{:.3}, {:.3}] over {} records)",
            if d > 0.0 { a } else { b },
            d.abs(),
            ci.low,
            ci.high,
            bootstrap.records
        ),
        (Some(_), Some(ci)) => format!(
            "no clear difference: the 95% CI [{:.3}, {:.3}] over {} records includes 0",
            ci.low, ci.high, bootstrap.records
        ),
        _ => "no records answered by both: nothing to compare yet".to_string(),
    };
    PairComparison {
        a: a.to_string(),
        b: b.to_string(),
        shared_records: bootstrap.records,
        accuracy_a: bootstrap.mean_a,
        accuracy_b: bootstrap.mean_b,
        difference: bootstrap.difference,
        ci95: bootstrap.ci95,
        significant,
        verdict,
        resamples: bootstrap.resamples,
        seed: bootstrap.seed,
    }
}
