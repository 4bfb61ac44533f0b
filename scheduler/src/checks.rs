//! The regression check of finished scheduled runs.
//!
//! Each tick looks at the latest runs of every schedule; a run that is final and
//! not yet checked is claimed (exactly one replica wins, once per run), compared
//! with the schedule's previous successful run (`tally_core::schedule::check_regression`)
//! and, when it regressed or failed, raises one alert: a structured log line, a
//! counter per reason, and a webhook POST handed to the delivery task.

use tally_core::contract::RunStatus;
use tally_core::schedule::{Alert, Schedule, check_regression};
use tally_store::{RunFilter, RunView, ScheduleView, StoreError};

use crate::scheduler::Scheduler;

/// Runs of a schedule looked at per tick: a run is checked within a tick or two of
/// becoming final, long before this many newer runs exist.
const RECENT_RUNS: usize = 5;
/// Successful runs searched for the one before a run.
const PREVIOUS_RUNS_SEARCHED: usize = 20;

impl Scheduler {
    pub(crate) async fn check_finished_runs(&self, view: &ScheduleView) -> Result<(), StoreError> {
        let schedule = &view.schedule;
        for run in self
            .store
            .schedule_runs(&schedule.name, RECENT_RUNS)
            .await?
        {
            if !run.status.is_final() || run.status == RunStatus::Cancelled {
                continue;
            }
            if !self.store.claim_run_check(&run.record.run_id).await? {
                continue;
            }
            let previous = self.previous_successful_run(schedule, &run).await?;
            if let Some(alert) = check_regression(schedule, &run, previous.as_ref(), &self.urls) {
                self.raise(schedule, alert);
            }
        }
        Ok(())
    }

    async fn previous_successful_run(
        &self,
        schedule: &Schedule,
        run: &RunView,
    ) -> Result<Option<RunView>, StoreError> {
        let filter = RunFilter {
            status: Some(RunStatus::Succeeded),
            schedule: Some(schedule.name.to_string()),
        };
        let succeeded = self
            .store
            .list_runs(&filter, 0, PREVIOUS_RUNS_SEARCHED)
            .await?;
        Ok(succeeded.into_iter().find(|candidate| {
            candidate.created_at < run.created_at && candidate.record.run_id != run.record.run_id
        }))
    }

    fn raise(&self, schedule: &Schedule, alert: Alert) {
        let name = schedule.name.as_str();
        for reason in &alert.reasons {
            self.metrics
                .alerts_raised
                .with_label_values(&[name, reason.as_str()])
                .inc();
        }
        let reasons: Vec<&str> = alert.reasons.iter().map(|r| r.as_str()).collect();
        tracing::warn!(
            schedule = name,
            run_id = alert.run_id,
            run_status = %alert.run_status,
            previous_run_id = alert.previous_run_id,
            reasons = reasons.join(","),
            regressions = %serde_json::to_string(&alert.regressions).unwrap_or_default(),
            run_url = alert.links.run,
            "scheduled run alert"
        );
        if let Some(url) = &schedule.alerts.webhook_url {
            self.alerts.send(url.clone(), alert);
        }
    }
}
