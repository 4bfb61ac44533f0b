//! The JSON the API answers for runs and experiments beyond the old service's
//! contract: built from the store's views, with progress and absolute URLs.
//! (`ExperimentResponse`, `RunAccepted` and `ErrorBody` come from `tally_core::contract`.)

use chrono::{DateTime, Utc};
use serde::Serialize;
use tally_core::contract::{ExperimentResponse, ExperimentSummary, ModelConfig, RunStatus};
use tally_core::run::{DatasetPin, ExperimentPhase, Progress, Submitter};
use tally_store::{ExperimentView, RunView, StoreCondition};

use crate::state::AppState;
use crate::store_watch::Observed;

/// Counters with a completion percentage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProgressView {
    pub total: u64,
    pub done: u64,
    pub failed: u64,
    pub retries: u64,
    pub rate_limited: u64,
    /// `done / total` in percent, one decimal; 100 for an empty sample.
    pub percent: f64,
}

impl ProgressView {
    pub fn of(progress: Progress) -> ProgressView {
        let percent = if progress.total == 0 {
            100.0
        } else {
            (1000.0 * progress.done as f64 / progress.total as f64).round() / 10.0
        };
        ProgressView {
            total: progress.total,
            done: progress.done,
            failed: progress.failed,
            retries: progress.retries,
            rate_limited: progress.rate_limited,
            percent: percent.min(100.0),
        }
    }

    /// The sum over several experiments.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a Progress>) -> ProgressView {
        let total = parts
            .into_iter()
            .fold(Progress::default(), |sum, p| Progress {
                total: sum.total + p.total,
                done: sum.done + p.done,
                failed: sum.failed + p.failed,
                retries: sum.retries + p.retries,
                rate_limited: sum.rate_limited + p.rate_limited,
            });
        ProgressView::of(total)
    }
}

/// One experiment of a run, as the run status lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentBrief {
    pub experiment_id: String,
    pub experiment_name: String,
    pub model: String,
    pub temperature: f64,
    /// pending, running, success, failed or cancelled.
    pub status: ExperimentPhase,
    pub progress: ProgressView,
    /// Why `raise_errors` stopped it, when it did.
    pub error: Option<String>,
    pub experiment_url: String,
    pub detail_url: String,
}

impl ExperimentBrief {
    pub fn of(view: &ExperimentView, state: &AppState) -> ExperimentBrief {
        let id = &view.record.experiment_id;
        ExperimentBrief {
            experiment_id: id.to_string(),
            experiment_name: view.record.name.clone(),
            model: view.record.config.model.as_str().to_string(),
            temperature: view.record.config.temperature.get(),
            status: view.phase,
            progress: ProgressView::of(view.progress),
            error: view.aborted.clone(),
            experiment_url: state.urls.experiment_page(id),
            detail_url: experiment_api_url(state, id.as_str()),
        }
    }
}

pub fn experiment_api_url(state: &AppState, experiment_id: &str) -> String {
    format!(
        "{}/api/v1/experiments/experiments/{experiment_id}",
        state.urls.base()
    )
}

/// `GET /api/v1/experiments/runs/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct RunStatusView {
    pub run_id: String,
    /// queued, running, succeeded, partial, failed or cancelled.
    pub status: RunStatus,
    pub progress: ProgressView,
    pub experiments: Vec<ExperimentBrief>,
    /// The run's `ExperimentResponse` once it is final, else `null`.
    pub result: Option<ExperimentResponse>,
    pub cancel_requested: bool,
    pub dataset: DatasetPin,
    pub submitter: Submitter,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status_url: String,
    pub run_url: String,
    /// Why a run that is not final makes no progress, while it makes none; else `null`.
    pub stalled: Option<Stall>,
}

/// Why a run is stalled: the store refuses the writes its workers must make.
#[derive(Debug, Clone, Serialize)]
pub struct Stall {
    /// `out_of_memory`, `read_only`, `loading` or `unreachable`.
    pub condition: StoreCondition,
    pub reason: String,
    /// When the API first saw the store refuse writes.
    pub since: Option<DateTime<Utc>>,
}

impl Stall {
    /// The stall of a run that is not final, if the store refuses writes.
    pub fn of(status: RunStatus, observed: &Observed) -> Option<Stall> {
        let condition = observed.health.condition;
        if status.is_final() || condition.accepts_writes() {
            return None;
        }
        Some(Stall {
            condition,
            reason: format!("{}: no result can be written", condition.explanation()),
            since: observed.refusing_since,
        })
    }
}

impl RunStatusView {
    pub fn of(
        run: RunView,
        experiments: &[ExperimentView],
        stalled: Option<Stall>,
        state: &AppState,
    ) -> RunStatusView {
        let id = &run.record.run_id;
        RunStatusView {
            run_id: id.to_string(),
            status: run.status,
            progress: ProgressView::sum(experiments.iter().map(|e| &e.progress)),
            experiments: experiments
                .iter()
                .map(|e| ExperimentBrief::of(e, state))
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
            stalled,
        }
    }
}

/// `GET /api/v1/experiments/experiments/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentDetail {
    pub experiment_id: String,
    pub run_id: String,
    pub experiment_name: String,
    /// Position in the run's `model_configs`.
    pub index: usize,
    pub config: ModelConfig,
    pub dataset: DatasetPin,
    pub status: ExperimentPhase,
    pub progress: ProgressView,
    pub error: Option<String>,
    /// The final summary, once the experiment is final.
    pub summary: Option<ExperimentSummary>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub experiment_url: String,
    pub results_url: String,
    pub run_status_url: String,
}

impl ExperimentDetail {
    pub fn of(view: ExperimentView, state: &AppState) -> ExperimentDetail {
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
            status: view.phase,
            progress: ProgressView::of(view.progress),
            error: view.aborted,
            summary: view.summary,
            started_at: view.started_at,
            finished_at: view.finished_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_rounded_and_bounded() {
        let p = |total, done| Progress {
            total,
            done,
            ..Progress::default()
        };
        assert_eq!(ProgressView::of(p(3, 1)).percent, 33.3);
        assert_eq!(ProgressView::of(p(0, 0)).percent, 100.0);
        assert_eq!(ProgressView::of(p(2, 5)).percent, 100.0);
        let sum = ProgressView::sum(&[p(10, 5), p(10, 10)]);
        assert_eq!((sum.total, sum.done, sum.percent), (20, 15, 75.0));
    }
}
