//! The regression check of a finished scheduled run: each experiment against the
//! experiment of the same name in the schedule's previous successful run.
//!
//! An alert is raised when the run failed, or when any experiment's
//! `overall_accuracy` or `success_rate` fell by more than the schedule's threshold.
//! Experiments with no namesake in the previous run are not compared.

use std::collections::HashMap;

use serde::Serialize;

use super::definition::Schedule;
use crate::contract::{ExperimentSummary, RunStatus};
use crate::run::RunView;
use crate::run::{PublicUrls, RunId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertReason {
    RunFailed,
    AccuracyDrop,
    SuccessRateDrop,
}

impl AlertReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertReason::RunFailed => "run_failed",
            AlertReason::AccuracyDrop => "accuracy_drop",
            AlertReason::SuccessRateDrop => "success_rate_drop",
        }
    }
}

/// One metric of one experiment that fell too far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    pub experiment_name: String,
    /// `overall_accuracy` or `success_rate`.
    pub metric: &'static str,
    pub previous: f64,
    pub current: f64,
    /// `previous - current`.
    pub drop: f64,
    pub threshold: f64,
    pub experiment_url: String,
    pub previous_experiment_url: String,
}

/// Links of an alert, all from `PublicUrls`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertLinks {
    pub run: String,
    pub comparison: String,
    pub previous_run: Option<String>,
}

/// What is logged and POSTed: the numbers, the links, and a Slack-compatible `text`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub text: String,
    pub schedule: String,
    pub run_id: String,
    pub run_status: RunStatus,
    pub previous_run_id: Option<String>,
    pub reasons: Vec<AlertReason>,
    pub regressions: Vec<Regression>,
    pub links: AlertLinks,
}

/// The alert `run` raises against `previous` (the schedule's previous successful
/// run), if any. `run` must be final.
pub fn check_regression(
    schedule: &Schedule,
    run: &RunView,
    previous: Option<&RunView>,
    urls: &PublicUrls,
) -> Option<Alert> {
    let mut reasons = Vec::new();
    if run.status == RunStatus::Failed {
        reasons.push(AlertReason::RunFailed);
    }
    let regressions = match (
        run.response.as_ref(),
        previous.and_then(|p| p.response.as_ref()),
    ) {
        (Some(current), Some(before)) => {
            compare(schedule, &current.experiments, &before.experiments)
        }
        _ => Vec::new(),
    };
    for regression in &regressions {
        let reason = if regression.metric == "overall_accuracy" {
            AlertReason::AccuracyDrop
        } else {
            AlertReason::SuccessRateDrop
        };
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    if reasons.is_empty() {
        return None;
    }
    let run_id = &run.record.run_id;
    let previous_run = previous.map(|p| &p.record.run_id);
    let links = AlertLinks {
        run: urls.run_page(run_id),
        comparison: urls.comparison_page(run_id),
        previous_run: previous_run.map(|id| urls.run_page(id)),
    };
    Some(Alert {
        text: text(schedule, run_id, run.status, &regressions, &links),
        schedule: schedule.name.to_string(),
        run_id: run_id.to_string(),
        run_status: run.status,
        previous_run_id: previous_run.map(RunId::to_string),
        reasons,
        regressions,
        links,
    })
}

fn compare(
    schedule: &Schedule,
    current: &[ExperimentSummary],
    previous: &[ExperimentSummary],
) -> Vec<Regression> {
    let by_name: HashMap<&str, &ExperimentSummary> = previous
        .iter()
        .map(|e| (e.experiment_name.as_str(), e))
        .collect();
    let mut regressions = Vec::new();
    for experiment in current {
        let Some(before) = by_name.get(experiment.experiment_name.as_str()) else {
            continue;
        };
        let metrics = [
            (
                "overall_accuracy",
                before.overall_accuracy,
                experiment.overall_accuracy,
                schedule.alerts.accuracy_drop,
            ),
            (
                "success_rate",
                before.success_rate,
                experiment.success_rate,
                schedule.alerts.success_rate_drop,
            ),
        ];
        for (metric, previous, current, threshold) in metrics {
            if threshold.is_exceeded(previous, current) {
                regressions.push(Regression {
                    experiment_name: experiment.experiment_name.clone(),
                    metric,
                    previous,
                    current,
                    drop: previous - current,
                    threshold: threshold.get(),
                    experiment_url: experiment.experiment_url.clone(),
                    previous_experiment_url: before.experiment_url.clone(),
                });
            }
        }
    }
    regressions
}

/// The Slack message: what happened, one line per fallen metric, the links.
fn text(
    schedule: &Schedule,
    run_id: &RunId,
    status: RunStatus,
    regressions: &[Regression],
    links: &AlertLinks,
) -> String {
    let mut text = if status == RunStatus::Failed {
        format!(
            "tally: scheduled run {run_id} of \"{}\" failed",
            schedule.name
        )
    } else {
        format!(
            "tally: scheduled run {run_id} of \"{}\" regressed ({status})",
            schedule.name
        )
    };
    for r in regressions {
        text.push_str(&format!(
            "\n• {}: {} {:.3} → {:.3} (−{:.3}, threshold {:.3})",
            r.experiment_name, r.metric, r.previous, r.current, r.drop, r.threshold
        ));
    }
    text.push_str(&format!(
        "\nRun: {}\nCompare: {}",
        links.run, links.comparison
    ));
    if let Some(previous) = &links.previous_run {
        text.push_str(&format!("\nPrevious run: {previous}"));
    }
    text
}

#[cfg(test)]
mod tests;
