//! Builds the answers of `tally_core::contract::views` from the store's views: the
//! parts that need the store's state or the public URLs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tally_core::contract::views::{
    ExperimentBrief, ExperimentDetail, ProgressView, RetryScopeView, RunStatusView, Stall,
};
use tally_core::run::RunView;
use tally_store::{ExperimentView, StoreCondition};

use crate::chain::ChainView;
use crate::state::AppState;
use crate::store_watch::{Observed, redis_state};

/// One experiment of a run, as the run status lists it.
/// `daily_wait`: until when its model waits for the daily quota, if it does.
pub fn experiment_brief(
    view: &ExperimentView,
    daily_wait: Option<&DateTime<Utc>>,
    state: &AppState,
) -> ExperimentBrief {
    let id = &view.record.experiment_id;
    ExperimentBrief {
        experiment_id: id.to_string(),
        experiment_name: view.record.name.clone(),
        model: view.record.config.model.as_str().to_string(),
        temperature: view.record.config.temperature.get(),
        status: view.phase,
        progress: ProgressView::of(view.progress),
        error: view.aborted.clone(),
        waiting: daily_wait.map(|until| {
            format!(
                "waiting for the daily quota until {}",
                until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        }),
        batch: view.batch.clone(),
        experiment_url: state.urls.experiment_page(id),
        detail_url: experiment_api_url(state, id.as_str()),
    }
}

pub fn experiment_api_url(state: &AppState, experiment_id: &str) -> String {
    format!(
        "{}/api/v1/experiments/experiments/{experiment_id}",
        state.urls.base()
    )
}

/// What a run's status adds to the stored run: its retry chain, the models waiting
/// for their daily quota, and why it is stalled.
pub struct StatusContext<'a> {
    pub chain: ChainView,
    pub daily_waits: &'a BTreeMap<String, DateTime<Utc>>,
    pub stalled: Option<Stall>,
}

/// Why a run that is not final makes no progress: the store refuses writes.
pub fn stall(observed: &Observed) -> Option<Stall> {
    let condition: StoreCondition = observed.health.condition;
    if condition.accepts_writes() {
        return None;
    }
    Some(Stall {
        condition: redis_state(condition),
        reason: format!("{}: no result can be written", condition.explanation()),
        since: observed.refusing_since,
    })
}

/// `GET /api/v1/experiments/runs/{id}`.
pub fn run_status(
    run: RunView,
    experiments: &[ExperimentView],
    context: StatusContext<'_>,
    state: &AppState,
) -> RunStatusView {
    let StatusContext {
        chain,
        daily_waits,
        stalled,
    } = context;
    let id = &run.record.run_id;
    RunStatusView {
        run_id: id.to_string(),
        status: run.status,
        progress: ProgressView::sum(experiments.iter().map(|e| &e.progress)),
        experiments: experiments
            .iter()
            .map(|e| experiment_brief(e, daily_waits.get(e.record.config.model.as_str()), state))
            .collect(),
        result: run.response,
        cancel_requested: run.cancel_requested,
        dataset: run.record.dataset,
        submitter: run.record.submitter,
        created_at: run.created_at,
        started_at: run.started_at,
        finished_at: run.finished_at,
        status_url: state.urls.run_status(id),
        run_url: state.urls.run_page(id),
        retry_of: chain.retry_of,
        retries: chain.retries,
        combined_result: chain.combined_result,
        stalled,
        datadog_export: None,
    }
}

/// `GET /api/v1/experiments/experiments/{id}`.
pub fn experiment_detail(view: ExperimentView, state: &AppState) -> ExperimentDetail {
    let record = view.record;
    let id = record.experiment_id.to_string();
    ExperimentDetail {
        results_url: format!("{}/results", experiment_api_url(state, &id)),
        experiment_url: state.urls.experiment_page(&record.experiment_id),
        run_status_url: state.urls.run_status(&record.run_id),
        experiment_id: id,
        run_id: record.run_id.to_string(),
        experiment_name: record.name,
        index: record.index,
        config: record.config,
        dataset: record.dataset,
        trials: record.trials,
        status: view.phase,
        progress: ProgressView::of(view.progress),
        error: view.aborted,
        summary: view.summary,
        started_at: view.started_at,
        finished_at: view.finished_at,
        batch: view.batch,
        retry: record.retry.map(|scope| RetryScopeView {
            experiment_url: state.urls.experiment_page(&scope.experiment_id),
            detail_url: experiment_api_url(state, scope.experiment_id.as_str()),
            experiment_id: scope.experiment_id.to_string(),
            positions: scope.indices,
        }),
    }
}
