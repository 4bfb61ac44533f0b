//! `SpendCap`: keeps what all models together cost under `TALLY_SPEND_CAP_USD` per
//! rolling ten minutes (Google's tier spend limits, which answer 429 beyond), paced
//! by cost the way the pacer paces input tokens: before a record's call it reserves
//! the cost it expects (this process's running mean cost of the model's records) on
//! the schedule shared in Redis and waits for it; afterwards it settles the measured
//! cost. A cached answer costs nothing. A batch's answers are counted when they are
//! stored (`count`): what they cost is spent, nothing is waited for.
//!
//! If Redis cannot be reached the call goes ahead; the record's own writes will fail
//! loudly anyway.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tally_core::run::RecordResult;
use tally_store::{SpendPace, WorkerStore};

/// Google's spend limits are per rolling ten minutes.
pub const SPEND_WINDOW: Duration = Duration::from_secs(600);

/// The share of the cap paced for; the rest absorbs the calls in flight.
const USABLE: f64 = 0.9;

/// Weight of the newest record in a model's running mean cost.
const MEAN_WEIGHT: f64 = 0.2;

pub struct SpendCap {
    store: WorkerStore,
    pace: SpendPace,
    /// Per model: the running mean cost of a record, in micro-dollars (none before
    /// the first record of it is measured).
    means: Mutex<HashMap<String, Option<f64>>>,
}

impl SpendCap {
    /// A cap of `usd` per `window` (`SPEND_WINDOW` in production).
    pub fn new(store: WorkerStore, usd: f64, window: Duration) -> SpendCap {
        let micro = (usd * 1e6 * USABLE).max(1.0);
        SpendCap {
            store,
            pace: SpendPace {
                interval_ms: window.as_secs_f64() * 1000.0 / micro,
                burst_ms: 0.0,
            },
            means: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until the expected cost of a record of `model` fits under the cap;
    /// returns the micro-dollars reserved for it.
    pub async fn admit(&self, model: &str) -> u64 {
        let estimate = self
            .mean(model, |mean| mean.map(|m| m.round() as u64))
            .unwrap_or(0);
        match self
            .store
            .reserve_spend(self.pace, estimate.max(1), 0)
            .await
        {
            Ok(wait) => {
                if !wait.is_zero() {
                    tracing::debug!(model, ?wait, "waiting under the spend cap");
                }
                tokio::time::sleep(wait).await;
                estimate.max(1)
            }
            Err(error) => {
                tracing::warn!(%error, "spend cap unreachable; calling unpaced");
                0
            }
        }
    }

    /// Settles what the record cost against the `reserved` micro-dollars.
    pub async fn settle(&self, model: &str, reserved: u64, result: &RecordResult) {
        let spent = spent(result);
        if result.attempts > 0 {
            self.mean(model, |mean| {
                *mean = Some(mean.map_or(spent, |m| m + MEAN_WEIGHT * (spent - m)));
            });
        }
        let settle = spent.round() as i64 - reserved as i64;
        if settle != 0
            && let Err(error) = self.store.reserve_spend(self.pace, 0, settle).await
        {
            tracing::warn!(%error, "spend cap unreachable; a record's cost is not counted");
        }
    }

    /// Counts what answers that were not paced cost (a batch's, priced as they are
    /// read): the schedule moves on by it from now, so the calls after them wait for
    /// it; nothing is waited for here. The running means are left alone: they are
    /// what an online call is expected to cost, and a batch answer costs half.
    pub async fn count(&self, results: &[&RecordResult]) {
        let spent = results
            .iter()
            .map(|result| spent(result))
            .sum::<f64>()
            .round() as u64;
        if spent > 0
            && let Err(error) = self.store.reserve_spend(self.pace, spent, 0).await
        {
            tracing::warn!(%error, "spend cap unreachable; answers' cost is not counted");
        }
    }

    fn mean<R>(&self, model: &str, f: impl FnOnce(&mut Option<f64>) -> R) -> R {
        let mut means = self
            .means
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(means.entry(model.to_string()).or_insert(None))
    }
}

/// What a result cost, in micro-dollars: a cached answer costs nothing.
fn spent(result: &RecordResult) -> f64 {
    if result.cached {
        0.0
    } else {
        result.cost_usd.unwrap_or(0.0) * 1e6
    }
}
