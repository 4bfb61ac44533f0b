//! Each polled run's status answer, serialised once and served until a change
//! notice names the run, one of its experiments or a run of its chain.
//!
//! - Served only while the subscription is live (from its `Resync` to its loss): a
//!   notice missed while it is down or not yet made cannot leave an answer stale.
//! - At most `max_age` old (`TALLY_STATUS_CACHE_MS`), whatever the notices say:
//!   progress is announced only
//!   every `total / 100` results (`tally_store::events::PROGRESS_NOTICES`), and a
//!   stall, a daily-quota wait, the Datadog export and a retry's status reach a
//!   run's answer without a notice naming it.
//! - An answer read while a notice arrived is not kept (`Ticket`): the read may
//!   have seen the state before the change.
//! - One read per run at a time (`fill`): the clients that miss together wait for
//!   the one read instead of each making their own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tally_core::run::RunId;
use tally_store::events::Notice;

/// Runs kept at most; beyond it, answers past their age and idle turns are dropped.
const MAX_RUNS: usize = 1024;

pub struct StatusCache {
    /// The oldest answer served; zero turns the cache off.
    max_age: Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The subscription delivers notices (set by its `Resync`, cleared on loss).
    live: bool,
    /// Counts notices and losses: an answer read across a change is not kept.
    epoch: u64,
    answers: HashMap<RunId, Answer>,
    fills: HashMap<RunId, Arc<tokio::sync::Mutex<()>>>,
}

struct Answer {
    json: Bytes,
    /// The run, its experiments and the runs of its chain: a notice naming any
    /// of them drops the answer.
    ids: Vec<String>,
    read_at: Instant,
}

/// Taken before a read: the answer may be kept if nothing changed meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

pub enum Lookup {
    Fresh(Bytes),
    /// Read it; `None` when the answer may not be kept (the subscription is down).
    Read(Option<Ticket>),
}

impl StatusCache {
    pub fn new(max_age: Duration) -> StatusCache {
        StatusCache {
            max_age,
            inner: Mutex::default(),
        }
    }

    pub fn lookup(&self, run: &RunId) -> Lookup {
        let inner = self.inner();
        if !inner.live || self.max_age.is_zero() {
            return Lookup::Read(None);
        }
        match inner.answers.get(run) {
            Some(answer) if answer.read_at.elapsed() < self.max_age => {
                Lookup::Fresh(answer.json.clone())
            }
            _ => Lookup::Read(Some(Ticket(inner.epoch))),
        }
    }

    /// The lock that makes the readers of `run` take turns.
    pub fn fill(&self, run: &RunId) -> Arc<tokio::sync::Mutex<()>> {
        let mut inner = self.inner();
        if inner.fills.len() >= MAX_RUNS {
            // Runs read before (even ones that do not exist) and not being read now.
            inner.fills.retain(|_, fill| Arc::strong_count(fill) > 1);
        }
        inner.fills.entry(run.clone()).or_default().clone()
    }

    /// Keeps the answer of a read that began at `ticket`, unless a notice or a
    /// loss came in between.
    pub fn keep(&self, run: &RunId, ticket: Ticket, ids: Vec<String>, json: Bytes) {
        let mut inner = self.inner();
        if !inner.live || inner.epoch != ticket.0 {
            return;
        }
        if inner.answers.len() >= MAX_RUNS {
            let max_age = self.max_age;
            inner.answers.retain(|_, a| a.read_at.elapsed() < max_age);
        }
        let read_at = Instant::now();
        inner
            .answers
            .insert(run.clone(), Answer { json, ids, read_at });
    }

    /// A notice from the subscription (`Resync`: it was just made).
    pub fn notice(&self, notice: &Notice) {
        let mut inner = self.inner();
        inner.epoch = inner.epoch.wrapping_add(1);
        match notice {
            Notice::Changed(id) => inner.answers.retain(|_, a| !a.ids.contains(id)),
            Notice::Resync => {
                inner.answers.clear();
                inner.live = true;
            }
        }
    }

    /// A change this process made: dropped at once, before its notice arrives.
    pub fn changed(&self, id: &str) {
        self.notice(&Notice::Changed(id.to_string()));
    }

    /// The subscription was lost: nothing is served until the next `Resync`.
    pub fn lost(&self) {
        let mut inner = self.inner();
        inner.epoch = inner.epoch.wrapping_add(1);
        inner.live = false;
        inner.answers.clear();
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_AGE: Duration = Duration::from_secs(60);

    fn run() -> RunId {
        RunId::generate()
    }

    fn fresh(cache: &StatusCache, run: &RunId) -> Option<Bytes> {
        match cache.lookup(run) {
            Lookup::Fresh(json) => Some(json),
            Lookup::Read(_) => None,
        }
    }

    fn ticket(cache: &StatusCache, run: &RunId) -> Ticket {
        match cache.lookup(run) {
            Lookup::Read(Some(ticket)) => ticket,
            Lookup::Read(None) => panic!("the cache is not live"),
            Lookup::Fresh(_) => panic!("already cached"),
        }
    }

    fn keep(cache: &StatusCache, run: &RunId, ticket: Ticket, ids: &[&str]) {
        let ids = ids.iter().map(ToString::to_string).collect();
        cache.keep(run, ticket, ids, Bytes::from_static(b"{}"));
    }

    #[test]
    fn nothing_is_served_before_the_subscription_is_made_or_after_it_is_lost() {
        let cache = StatusCache::new(MAX_AGE);
        let id = run();
        assert!(matches!(cache.lookup(&id), Lookup::Read(None)));
        cache.notice(&Notice::Resync);
        let ticket = ticket(&cache, &id);
        keep(&cache, &id, ticket, &[id.as_str()]);
        assert!(fresh(&cache, &id).is_some());
        cache.lost();
        assert!(matches!(cache.lookup(&id), Lookup::Read(None)));
    }

    #[test]
    fn a_notice_naming_the_run_or_an_experiment_drops_the_answer_and_no_other() {
        let cache = StatusCache::new(MAX_AGE);
        cache.notice(&Notice::Resync);
        let (a, b) = (run(), run());
        for id in [&a, &b] {
            let ticket = ticket(&cache, id);
            keep(&cache, id, ticket, &[id.as_str(), &format!("exp_of_{id}")]);
        }
        cache.notice(&Notice::Changed(format!("exp_of_{a}")));
        assert!(fresh(&cache, &a).is_none());
        assert!(fresh(&cache, &b).is_some());
        cache.changed(b.as_str());
        assert!(fresh(&cache, &b).is_none());
    }

    #[test]
    fn an_answer_read_across_a_notice_is_not_kept() {
        let cache = StatusCache::new(MAX_AGE);
        cache.notice(&Notice::Resync);
        let id = run();
        let ticket = ticket(&cache, &id);
        cache.notice(&Notice::Changed(id.to_string()));
        keep(&cache, &id, ticket, &[id.as_str()]);
        assert!(fresh(&cache, &id).is_none());
    }

    #[test]
    fn an_answer_is_served_no_longer_than_its_age() {
        let cache = StatusCache::new(MAX_AGE);
        cache.notice(&Notice::Resync);
        let id = run();
        let ticket = ticket(&cache, &id);
        keep(&cache, &id, ticket, &[id.as_str()]);
        if let Some(answer) = cache.inner().answers.get_mut(&id) {
            answer.read_at -= MAX_AGE;
        }
        assert!(fresh(&cache, &id).is_none());
    }
}
