//! Everything the request handlers share: the settings (changeable at run time), the
//! dataset index (built in the background at start), counters, quotas, faults,
//! tokens.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::batch::Batches;
use crate::config::EmulatorConfig;
use crate::faults::FaultScript;
use crate::index::DatasetIndex;
use crate::oauth::Tokens;
use crate::quota::Quotas;
use crate::rng::SeededRng;
use crate::stats::{RequestLog, Stats};

pub struct AppState {
    pub settings: RwLock<EmulatorConfig>,
    pub index: watch::Receiver<Option<Arc<DatasetIndex>>>,
    pub stats: Stats,
    pub log: RequestLog,
    pub quotas: Quotas,
    pub script: FaultScript,
    pub tokens: Tokens,
    pub batches: Batches,
    /// Seed material for non-answer randomness (latency, fault rates).
    noise: AtomicU64,
}

impl AppState {
    pub fn new(
        config: EmulatorConfig,
        index: watch::Receiver<Option<Arc<DatasetIndex>>>,
    ) -> Result<Self, String> {
        let tokens = Tokens::new(&config.service_accounts)?;
        let start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Ok(AppState {
            settings: RwLock::new(config),
            index,
            stats: Stats::new(),
            log: RequestLog::new(),
            quotas: Quotas::default(),
            script: FaultScript::default(),
            tokens,
            batches: Batches::default(),
            noise: AtomicU64::new(start),
        })
    }

    /// A copy of the current settings (cheap enough per request, and no lock is held
    /// across an await).
    pub fn settings(&self) -> EmulatorConfig {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A fresh generator for latency and fault draws (not for answers: those are
    /// seeded by the request).
    pub fn noise(&self) -> SeededRng {
        SeededRng::from_u64(self.noise.fetch_add(0x9E37_79B9, Ordering::Relaxed))
    }

    /// The dataset index, once the background build has finished.
    pub async fn index(&self) -> Arc<DatasetIndex> {
        let mut receiver = self.index.clone();
        match receiver.wait_for(Option::is_some).await {
            Ok(index) => index.clone().unwrap_or_default(),
            // The builder is gone without a result: answer as if nothing was indexed.
            Err(_) => Arc::new(DatasetIndex::default()),
        }
    }
}
