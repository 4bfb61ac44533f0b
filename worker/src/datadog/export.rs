//! Mirrors one final run to Datadog, step by step, recording each step's result in
//! the export's progress before the next: project, dataset version (once per
//! content hash, shared by runs), then per experiment its Datadog experiment,
//! record spans and metrics in batches (a cursor of records sent), summary metrics
//! and final status. A retried or resumed export starts after the last recorded
//! step; a batch whose send was not recorded (a worker killed mid-request) is sent
//! again with the same span ids.

use std::collections::HashMap;

use chrono::Utc;
use tally_core::contract::ExperimentStatus;
use tally_core::dataset::DatasetRecord;
use tally_core::run::{RunId, RunRecord};
use tally_datadog::{DatadogClient, DatadogError, NewExperiment, push_dataset};
use tally_store::{ExperimentView, StoreError, WorkerStore, records_relative_to_folder};

use super::payload::{self, Target};

/// Records per events request (each record is one span and a handful of metrics,
/// well under the 5 MB limit for tally's reports).
const EVENTS_BATCH: usize = 100;
/// Datadog refuses events older than 24 hours; keep a margin for the request.
const EXPORTABLE_FOR: chrono::TimeDelta = chrono::TimeDelta::minutes(23 * 60 + 50);

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Datadog(#[from] DatadogError),
    #[error("Redis: {0}")]
    Store(#[from] StoreError),
    /// Datadog will never take it: reported, not retried.
    #[error("{0}")]
    NotExportable(String),
}

impl ExportError {
    pub fn is_retryable(&self) -> bool {
        match self {
            ExportError::Datadog(error) => error.is_retryable(),
            ExportError::Store(_) => true,
            ExportError::NotExportable(_) => false,
        }
    }
}

pub struct RunExport<'a> {
    pub store: &'a WorkerStore,
    pub client: &'a DatadogClient,
    pub run: &'a RunRecord,
    pub progress: HashMap<String, String>,
    /// Each recorded step renews the claim for this long.
    pub lease: std::time::Duration,
}

impl RunExport<'_> {
    pub async fn run(mut self) -> Result<(), ExportError> {
        let run_id = self.run.run_id.clone();
        let project_id = match self.progress.get("project_id") {
            Some(id) => id.clone(),
            None => {
                let id = self
                    .client
                    .project(self.run.request.project_name.as_str())
                    .await?;
                self.step(&run_id, "project_id", &id).await?;
                id
            }
        };
        let records = self.dataset_records().await?;
        let (dataset_id, dataset_version) = self.dataset(&project_id, &records).await?;
        let by_id: HashMap<&str, &DatasetRecord> =
            records.iter().map(|r| (r.id.as_str(), r)).collect();
        let views = self.store.experiments(&self.run.experiments).await?;
        for view in views.into_iter().flatten() {
            self.experiment(&project_id, &dataset_id, dataset_version, &view, &by_id)
                .await?;
        }
        Ok(())
    }

    async fn step(&mut self, run: &RunId, field: &str, value: &str) -> Result<(), StoreError> {
        self.store
            .record_export_step(run, field, value, self.lease)
            .await?;
        self.progress.insert(field.to_string(), value.to_string());
        Ok(())
    }

    async fn dataset_records(&self) -> Result<Vec<DatasetRecord>, ExportError> {
        let pin = &self.run.dataset;
        self.store
            .dataset_records(&pin.name, pin.version, None)
            .await?
            .ok_or_else(|| {
                ExportError::NotExportable(format!(
                    "dataset {} version {} is no longer stored",
                    pin.name, pin.version
                ))
            })
    }

    /// The Datadog dataset holding this content: the one it was imported from when
    /// that is in the run's project, else pushed the first time any run needs it
    /// and remembered by content hash.
    async fn dataset(
        &mut self,
        project_id: &str,
        records: &[DatasetRecord],
    ) -> Result<(String, i64), ExportError> {
        let pin = &self.run.dataset;
        let stored = self.store.dataset_version(&pin.name, pin.version).await?;
        let source = stored
            .as_ref()
            .map(|v| v.source.clone())
            .unwrap_or_default();
        let origin = stored
            .and_then(|version| version.datadog)
            .filter(|origin| origin.project_id == project_id);
        if let Some(origin) = origin {
            self.step(&self.run.run_id.clone(), "dataset_id", &origin.dataset_id)
                .await?;
            return Ok((origin.dataset_id, origin.version));
        }
        let field = format!("dataset:{project_id}:{}:{}", pin.name, pin.content_hash);
        if let Some(known) = self.store.datadog_id(&field).await?
            && let Some((id, version)) = known.split_once(' ')
        {
            return Ok((id.to_string(), version.parse().unwrap_or(0)));
        }
        let description = format!("tally dataset {} version {}", pin.name, pin.version);
        // As its folder has them: the dataset reads back into tally from Datadog.
        let records = records_relative_to_folder(records.to_vec(), &source);
        let dataset = push_dataset(
            self.client,
            project_id,
            pin.name.as_str(),
            &description,
            pin.content_hash.as_str(),
            &records,
        )
        .await?;
        self.store
            .remember_datadog_id(
                &field,
                &format!("{} {}", dataset.id, dataset.current_version),
            )
            .await?;
        self.step(&self.run.run_id.clone(), "dataset_id", &dataset.id)
            .await?;
        Ok((dataset.id, dataset.current_version))
    }

    async fn experiment(
        &mut self,
        project_id: &str,
        dataset_id: &str,
        dataset_version: i64,
        view: &ExperimentView,
        records: &HashMap<&str, &DatasetRecord>,
    ) -> Result<(), ExportError> {
        let run_id = self.run.run_id.clone();
        let experiment = &view.record;
        let key = format!("exp:{}", experiment.experiment_id);
        if self.progress.contains_key(&format!("{key}:final")) {
            return Ok(());
        }
        let Some(summary) = &view.summary else {
            return Err(ExportError::NotExportable(format!(
                "experiment {} is not final",
                experiment.experiment_id
            )));
        };
        let datadog_id = match self.progress.get(&key) {
            Some(id) => id.clone(),
            None => {
                let tags = payload::tags(experiment, self.run.request.ml_app.as_str());
                let id = self
                    .client
                    .create_experiment(&NewExperiment {
                        name: &experiment.name,
                        description: "",
                        project_id,
                        dataset_id,
                        dataset_version,
                        config: payload::config(experiment),
                        tags,
                    })
                    .await?;
                self.step(&run_id, &key, &id).await?;
                self.client.set_status(&id, "running", None).await?;
                id
            }
        };
        let target = Target {
            project_id,
            dataset_id,
            experiment_id: &datadog_id,
        };
        let results = self.store.all_results(&experiment.experiment_id).await?;
        if let Some(oldest) = results.iter().map(|r| r.finished_at).min()
            && Utc::now() - oldest > EXPORTABLE_FOR
        {
            return Err(ExportError::NotExportable(format!(
                "experiment {}: results older than Datadog's 24-hour window are not exportable",
                experiment.experiment_id
            )));
        }
        let sent_key = format!("{key}:sent");
        let mut sent: usize = self
            .progress
            .get(&sent_key)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let batch_tags = vec![
            format!("project_name:{}", self.run.request.project_name),
            format!("dataset_name:{}", self.run.dataset.name),
            format!("experiment_name:{}", experiment.name),
            format!("experiment_id:{datadog_id}"),
        ];
        while sent < results.len() {
            let batch = &results[sent..results.len().min(sent + EVENTS_BATCH)];
            let spans: Vec<_> = batch
                .iter()
                .map(|r| {
                    payload::span(
                        &target,
                        experiment,
                        r,
                        records.get(r.record_id.as_str()).copied(),
                    )
                })
                .collect();
            let metrics: Vec<_> = batch
                .iter()
                .flat_map(|r| payload::record_metrics(&target, experiment, r))
                .collect();
            self.client
                .post_events(&datadog_id, &spans, &metrics, &batch_tags)
                .await?;
            sent += batch.len();
            self.step(&run_id, &sent_key, &sent.to_string()).await?;
        }
        let summary_metrics =
            payload::summary_metrics(&datadog_id, summary, Utc::now().timestamp_millis());
        self.client
            .post_events(&datadog_id, &[], &summary_metrics, &batch_tags)
            .await?;
        let (status, error) = match summary.status {
            ExperimentStatus::Success => ("completed", None),
            ExperimentStatus::Failed => ("failed", summary.error.as_deref()),
            ExperimentStatus::Cancelled => ("interrupted", summary.error.as_deref()),
        };
        self.client.set_status(&datadog_id, status, error).await?;
        self.step(&run_id, &format!("{key}:final"), status).await?;
        Ok(())
    }
}
