//! What every job handler shares: the store (and its queues), the models, and settings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tally_core::dataset::DataDir;
use tally_core::run::{ExperimentId, ExperimentRecord, PublicUrls};
use tally_gemini::Model;
use tally_ocr::{OcrSettings, Tesseract};
use tally_store::{StoreError, WorkerStore};

use crate::group_commit::GroupCommit;
use crate::limits::{CallLimits, LimitSettings};
use crate::metrics::Metrics;
use crate::result_writer::{ResultWriter, WriteResults};
use crate::running::RunningJobs;
use crate::spend::SpendCap;

/// Experiment records cached before the cache is cleared.
const MAX_CACHED: usize = 1024;

/// How long a final run's results are kept by default (`TALLY_RESULT_RETENTION_DAYS`).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

pub struct Context {
    /// This worker's unique name (recorded on every result it writes).
    pub name: String,
    /// The worker's store handle; its queues are where handlers enqueue.
    pub store: WorkerStore,
    pub model: Arc<dyn Model>,
    /// The local OCR model (`tesseract-tha`), at most its `processes` pages at once.
    pub ocr: Tesseract,
    pub data_dir: DataDir,
    pub urls: PublicUrls,
    pub limits: CallLimits,
    /// Where records' results are written, in groups.
    pub results: ResultWriter,
    pub metrics: Metrics,
    /// How long a final run's keys are kept.
    pub retention: Duration,
    /// Where final runs are exported; `None` when Datadog is not configured.
    pub datadog: Option<crate::datadog::DatadogExport>,
    /// Gemini's batch mode for `"execution": "batch"` experiments; `None` on Vertex AI.
    pub batches: Option<Arc<tally_gemini::batch::BatchClient>>,
    /// `TALLY_SPEND_CAP_USD`: what all models together may cost per ten minutes.
    pub spend: Option<SpendCap>,
    /// Job handlers running now (a stopping worker lets go once none is).
    pub running: RunningJobs,
    /// Experiment records never change once written: read each once per process.
    experiments: Mutex<HashMap<ExperimentId, Arc<ExperimentRecord>>>,
}

impl Context {
    pub fn new(
        name: String,
        store: WorkerStore,
        model: Arc<dyn Model>,
        data_dir: DataDir,
        urls: PublicUrls,
        metrics: Metrics,
    ) -> Context {
        Context {
            limits: CallLimits::new(store.clone(), name.clone(), LimitSettings::default()),
            results: GroupCommit::start(WriteResults {
                store: store.clone(),
            }),
            name,
            store,
            model,
            ocr: Tesseract::new(OcrSettings::default()),
            data_dir,
            urls,
            metrics,
            retention: DEFAULT_RETENTION,
            datadog: None,
            batches: None,
            spend: None,
            running: RunningJobs::default(),
            experiments: Mutex::new(HashMap::new()),
        }
    }

    /// The context with a spend cap of `usd` per `window` (none: no cap).
    pub fn with_spend_cap(mut self, cap: Option<(f64, Duration)>) -> Context {
        self.spend = cap.map(|(usd, window)| SpendCap::new(self.store.clone(), usd, window));
        self
    }

    /// The context with other call limits than the defaults.
    pub fn with_limits(mut self, settings: LimitSettings) -> Context {
        self.limits = CallLimits::new(self.store.clone(), self.name.clone(), settings);
        self
    }

    /// The context with other OCR settings than the defaults.
    pub fn with_ocr(mut self, settings: OcrSettings) -> Context {
        self.ocr = Tesseract::new(settings);
        self
    }

    /// The context with another retention period than the default.
    pub fn with_retention(mut self, retention: Duration) -> Context {
        self.retention = retention;
        self
    }

    /// The context exporting final runs to Datadog.
    pub fn with_datadog(mut self, datadog: Option<crate::datadog::DatadogExport>) -> Context {
        self.datadog = datadog;
        self
    }

    /// The context submitting batch-mode experiments through `batches`.
    pub fn with_batches(mut self, batches: Option<tally_gemini::batch::BatchClient>) -> Context {
        self.batches = batches.map(Arc::new);
        self
    }

    /// The experiment's record, `None` when it does not exist (deleted, or a job of
    /// another deployment).
    pub async fn experiment_record(
        &self,
        id: &ExperimentId,
    ) -> Result<Option<Arc<ExperimentRecord>>, StoreError> {
        if let Some(record) = self.cache().get(id) {
            return Ok(Some(record.clone()));
        }
        let Some(view) = self.store.experiment(id).await? else {
            return Ok(None);
        };
        let record = Arc::new(view.record);
        let mut cache = self.cache();
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(id.clone(), record.clone());
        Ok(Some(record))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<ExperimentId, Arc<ExperimentRecord>>> {
        self.experiments
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
