//! `Pacer`: the Gemini client's call gate backed by the shared rate limiter in Redis,
//! so all workers together stay under each model's quota.
//!
//! Before every attempt it reserves a slot of the model (one Lua call) and sleeps
//! until it; after a long wait it checks again that no worker met a 429 meanwhile
//! (a server's retry delay applies to everyone). A process starved of CPU wakes up
//! late: a call more than one interval late takes a new slot rather than crowd the
//! slots after its own. A call's tokens are only known
//! afterwards: each reservation counts this process's running estimate, and the
//! difference to the measured tokens rides along with the next reservation.
//!
//! If Redis cannot be reached the call goes ahead unpaced: the retry policy still
//! honours any 429, and the record's own store writes will fail loudly anyway.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tally_gemini::{AttemptReport, BoxFuture, CallGate};
use tally_store::WorkerStore;
use tally_store::store_backoff::{Delays, StoreBackoff};

use crate::metrics::Metrics;
use crate::quotas::Quotas;

/// A slot this far ahead may have been overtaken by a 429 block: look again.
const RECHECK_AFTER: Duration = Duration::from_millis(100);

/// Times a call that woke up too late for its slot reserves a new one before it
/// goes anyway (a starved process must not wait forever).
const MAX_LATE_RESERVATIONS: u32 = 3;

/// Weight of the newest measured call in the running token estimate.
const ESTIMATE_WEIGHT: f64 = 0.1;

pub struct Pacer {
    store: WorkerStore,
    quotas: Quotas,
    metrics: Metrics,
    books: Mutex<HashMap<String, TokenBook>>,
    /// While the limiter's store fails, each call waits a growing delay before it
    /// goes unpaced, so a Redis outage does not unleash every worker at full speed.
    backoff: StoreBackoff,
}

/// This process's token accounting of one model.
#[derive(Debug, Clone, Copy)]
struct TokenBook {
    /// Running estimate of a call's tokens.
    estimate: f64,
    /// Measured minus reserved tokens, not yet settled with the limiter.
    unsettled: i64,
}

impl Pacer {
    pub fn new(store: WorkerStore, quotas: Quotas, metrics: Metrics) -> Pacer {
        Pacer {
            store,
            quotas,
            metrics,
            books: Mutex::new(HashMap::new()),
            backoff: StoreBackoff::new("rate limiter", Delays::STORE),
        }
    }

    fn books(&self) -> std::sync::MutexGuard<'_, HashMap<String, TokenBook>> {
        self.books
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn book<R>(&self, model: &str, change: impl FnOnce(&mut TokenBook) -> R) -> R {
        let mut books = self.books();
        let book = books.entry(model.to_string()).or_insert(TokenBook {
            estimate: self.quotas.tokens_per_call() as f64,
            unsettled: 0,
        });
        change(book)
    }

    async fn wait_for_slot(&self, model: &str) {
        let Some(pace) = self.quotas.pace(model) else {
            return;
        };
        let started = Instant::now();
        // A call that leaves well after its slot lands among later calls' slots and
        // could crowd a quota window: past this lateness it takes a new slot.
        let tolerance = Duration::from_secs_f64(pace.request_interval_ms.max(5.0) / 1000.0);
        let mut late_reservations = 0;
        loop {
            let (estimate, unsettled) = self.book(model, |book| {
                (
                    book.estimate.round() as u64,
                    std::mem::take(&mut book.unsettled),
                )
            });
            let wait = match self
                .store
                .reserve_call(model, pace, estimate, unsettled)
                .await
            {
                Ok(wait) => {
                    self.backoff.succeeded();
                    wait
                }
                Err(error) => {
                    self.book(model, |book| book.unsettled += unsettled);
                    tokio::time::sleep(self.backoff.failed(&error)).await;
                    break;
                }
            };
            let due = Instant::now() + wait;
            tokio::time::sleep_until(due.into()).await;
            if due.elapsed() > tolerance && late_reservations < MAX_LATE_RESERVATIONS {
                late_reservations += 1;
                continue;
            }
            if wait < RECHECK_AFTER {
                break;
            }
            match self.store.rate_state(model, pace).await {
                Ok(state) if !state.blocked_for.is_zero() => continue,
                _ => break,
            }
        }
        self.metrics
            .pacing_wait
            .with_label_values(&[model])
            .inc_by(started.elapsed().as_secs_f64());
    }

    async fn hear(&self, model: &str, report: AttemptReport) {
        match report {
            AttemptReport::Answered { tokens } => self.book(model, |book| {
                book.unsettled += tokens as i64 - book.estimate.round() as i64;
                book.estimate += ESTIMATE_WEIGHT * (tokens as f64 - book.estimate);
            }),
            AttemptReport::RateLimited { retry_after } => {
                let Some(pace) = self.quotas.pace(model) else {
                    return;
                };
                let slowdown = self.quotas.slowdown();
                if let Err(error) = self
                    .store
                    .rate_limited(model, pace, slowdown, retry_after)
                    .await
                {
                    // Not shared with the other workers: logged (rate-limited) only.
                    let _ = self.backoff.failed(&error);
                }
            }
            AttemptReport::Failed => {}
        }
    }
}

impl CallGate for Pacer {
    fn admit<'a>(&'a self, model: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(self.wait_for_slot(model))
    }

    fn report<'a>(&'a self, model: &'a str, report: AttemptReport) -> BoxFuture<'a, ()> {
        Box::pin(self.hear(model, report))
    }
}
