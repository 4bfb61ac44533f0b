//! `Pacer`: the Gemini client's call gate backed by the shared rate limiter in Redis,
//! so all workers together stay under each model's quota.
//!
//! Before every attempt it reserves a slot of the model and sleeps until it; the
//! reservations of concurrent calls to one model go to Redis together, one script
//! per group (`reservations`), each call getting the slot it would get reserving
//! alone after the ones queued before it. After a long wait it checks again that no
//! worker met a 429 meanwhile (a server's retry delay applies to everyone). A
//! process starved of CPU wakes up late: a call more than one interval late takes a
//! new slot rather than crowd the slots after its own. A call reserves the input
//! tokens estimated from its request (image tiles, text length; only input counts
//! toward Gemini's TPM), scaled by how this process's estimates of the model
//! compared with the measured `promptTokenCount` so far; the difference to the
//! measured tokens rides along with the next reservation. A reservation is never
//! given back (later calls were granted the time after it). A contention 429 or a
//! 503 changes nothing shared: the retry policy backs that one call off.
//!
//! The same reservation counts the call against the model's requests per day, so
//! the count costs no round trip of its own; a call that finds the day's quota used
//! up (by the count or by a per-day 429's block) takes no slot and waits for the
//! block. Models without a pace reserve too, for the count (their slot is always
//! now).
//!
//! If Redis cannot be reached the call goes ahead unpaced: the retry policy still
//! honours any 429, and the record's own store writes will fail loudly anyway.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use tally_gemini::{AttemptReport, BoxFuture, CallGate};
use tally_store::store_backoff::{Delays, StoreBackoff};
use tally_store::{ModelPace, Reservation, Slot, WorkerStore};

use crate::group_commit::GroupCommit;
use crate::metrics::Metrics;
use crate::quotas::Quotas;

mod reservations;

use reservations::{CallReservations, Reserve, ReserveCalls};

/// A slot this far ahead may have been overtaken by a 429 block: look again.
const RECHECK_AFTER: Duration = Duration::from_millis(100);

/// Times a call that woke up too late for its slot reserves a new one before it
/// goes anyway (a starved process must not wait forever).
const MAX_LATE_RESERVATIONS: u32 = 3;

/// How long a call waiting for the daily quota sleeps before it looks again.
const DAILY_RECHECK: Duration = Duration::from_secs(60);

/// Weight of the newest measured call in the running measured-to-estimated ratio.
const RATIO_WEIGHT: f64 = 0.1;

pub struct Pacer {
    store: WorkerStore,
    reservations: CallReservations,
    quotas: Quotas,
    metrics: Metrics,
    books: Mutex<HashMap<String, TokenBook>>,
    /// Per model: until when its daily quota is used up, as last heard from Redis.
    daily: Mutex<HashMap<String, DateTime<Utc>>>,
    /// While the limiter's store fails, each call waits a growing delay before it
    /// goes unpaced, so a Redis outage does not unleash every worker at full speed.
    backoff: StoreBackoff,
}

/// This process's input-token accounting of one model.
#[derive(Debug, Clone, Copy)]
struct TokenBook {
    /// Running ratio of measured to estimated input tokens.
    ratio: f64,
    /// Measured minus reserved tokens, not yet settled with the limiter.
    unsettled: i64,
}

impl Pacer {
    /// Starts the pacer's group-commit queues on the current runtime.
    pub fn new(store: WorkerStore, quotas: Quotas, metrics: Metrics) -> Pacer {
        Pacer {
            reservations: GroupCommit::start(ReserveCalls {
                store: store.clone(),
            }),
            store,
            quotas,
            metrics,
            books: Mutex::new(HashMap::new()),
            daily: Mutex::default(),
            backoff: StoreBackoff::new("rate limiter", Delays::STORE),
        }
    }

    fn books(&self) -> std::sync::MutexGuard<'_, HashMap<String, TokenBook>> {
        lock(&self.books)
    }

    fn book<R>(&self, model: &str, change: impl FnOnce(&mut TokenBook) -> R) -> R {
        let mut books = self.books();
        let book = books.entry(model.to_string()).or_insert(TokenBook {
            ratio: 1.0,
            unsettled: 0,
        });
        change(book)
    }

    /// Waits while `model`'s daily quota is known to be used up.
    async fn wait_for_daily_quota(&self, model: &str) {
        loop {
            let until = lock(&self.daily).get(model).copied();
            match until {
                Some(until) if until > Utc::now() => {
                    tracing::warn!(model, %until, "waiting for the daily quota until {until}");
                    let wait = (until - Utc::now()).to_std().unwrap_or_default();
                    // Look again now and then: the block may be lifted early.
                    tokio::time::sleep(wait.clamp(Duration::from_millis(10), DAILY_RECHECK)).await;
                    self.refresh_daily_block(model).await;
                }
                _ => break,
            }
        }
    }

    /// Reads whether `model` is still blocked for the day (without counting).
    async fn refresh_daily_block(&self, model: &str) {
        match self.store.daily_block(model).await {
            Ok(until) => set_daily(&self.daily, model, until),
            Err(error) => tracing::warn!(%error, model, "daily quota unreachable"),
        }
    }

    /// Waits for a slot of `model` for a call estimated at `estimated` input tokens,
    /// counting the call against the model's requests per day; returns the tokens
    /// reserved for it.
    async fn wait_for_slot(&self, model: &str, estimated: u64) -> u64 {
        let paced = self.quotas.pace(model).copied();
        let pace = paced.unwrap_or(ModelPace::UNPACED);
        let requests_per_day = self.quotas.daily_limit(model);
        let mut reserved = 0;
        let started = Instant::now();
        // A call that leaves well after its slot lands among later calls' slots and
        // could crowd a quota window: past this lateness (its own share of the
        // schedule) it takes a new slot.
        let own_share_ms = pace
            .request_interval_ms
            .max(estimated as f64 * pace.token_interval_ms)
            .max(5.0);
        let tolerance = Duration::from_secs_f64(own_share_ms / 1000.0);
        let mut late_reservations = 0;
        let mut counted = false;
        let key = model.to_string();
        loop {
            self.wait_for_daily_quota(model).await;
            let (estimate, unsettled) = match paced {
                Some(_) => self.book(model, |book| {
                    (
                        (estimated as f64 * book.ratio).round() as u64,
                        std::mem::take(&mut book.unsettled),
                    )
                }),
                None => (0, 0),
            };
            let reserve = Reserve {
                pace,
                requests_per_day,
                call: Reservation {
                    estimated_tokens: estimate,
                    token_correction: unsettled,
                    counts_request: !counted,
                },
            };
            // A slot taken again after waking late leaves the tokens of the first one
            // spent: later calls were already granted the time after it.
            let wait = match self.reservations.submit(&key, reserve).await {
                Ok(Slot::After(wait)) => {
                    reserved = estimate;
                    counted = true;
                    self.backoff.succeeded();
                    wait
                }
                Ok(Slot::DailyQuotaUsedUp(until)) => {
                    self.backoff.succeeded();
                    set_daily(&self.daily, model, Some(until));
                    continue;
                }
                Err(error) => {
                    self.book(model, |book| book.unsettled += unsettled);
                    tokio::time::sleep(self.backoff.failed(&error)).await;
                    break;
                }
            };
            let due = Instant::now() + wait;
            // Even an elapsed deadline would wait for the timer's next tick (1 ms).
            if !wait.is_zero() {
                tokio::time::sleep_until(due.into()).await;
            }
            if due.elapsed() > tolerance && late_reservations < MAX_LATE_RESERVATIONS {
                late_reservations += 1;
                continue;
            }
            if wait < RECHECK_AFTER {
                break;
            }
            match self.store.rate_state(model, &pace).await {
                Ok(state) if !state.blocked_for.is_zero() => continue,
                _ => break,
            }
        }
        self.metrics
            .pacing_wait
            .with_label_values(&[model])
            .inc_by(started.elapsed().as_secs_f64());
        reserved
    }

    async fn hear(&self, model: &str, reserved: u64, report: AttemptReport) {
        match report {
            AttemptReport::Answered { input_tokens } => self.book(model, |book| {
                book.unsettled += input_tokens as i64 - reserved as i64;
                if reserved > 0 {
                    let estimated = reserved as f64 / book.ratio;
                    let measured = input_tokens as f64 / estimated;
                    book.ratio += RATIO_WEIGHT * (measured - book.ratio);
                }
            }),
            AttemptReport::QuotaExceeded { retry_after } => {
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
            AttemptReport::DailyQuotaExceeded => {
                match self.store.daily_quota_exhausted(model).await {
                    Ok(until) => {
                        tracing::warn!(model, %until, "daily quota used up (per-day 429)");
                        set_daily(&self.daily, model, Some(until));
                    }
                    Err(error) => {
                        tracing::warn!(%error, model, "could not share a per-day 429 with the other workers")
                    }
                }
            }
            AttemptReport::Failed => {}
        }
    }
}

/// A poisoned lock only means another call panicked; the map is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn set_daily(
    daily: &Mutex<HashMap<String, DateTime<Utc>>>,
    model: &str,
    until: Option<DateTime<Utc>>,
) {
    let mut daily = lock(daily);
    match until {
        Some(until) => daily.insert(model.to_string(), until),
        None => daily.remove(model),
    };
}

impl CallGate for Pacer {
    fn admit<'a>(&'a self, model: &'a str, input_tokens: u64) -> BoxFuture<'a, u64> {
        Box::pin(self.wait_for_slot(model, input_tokens))
    }

    fn report<'a>(
        &'a self,
        model: &'a str,
        reserved: u64,
        report: AttemptReport,
    ) -> BoxFuture<'a, ()> {
        Box::pin(self.hear(model, reserved, report))
    }
}
