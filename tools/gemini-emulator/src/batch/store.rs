//! The emulator's batches, in creation order, and the state each is in at a moment;
//! the Files API's files beside them (a batch may read one and write one).

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::files::Files;
use crate::config::BatchSettings;

/// Where a batch is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    Pending,
    Running,
    Succeeded,
    Cancelled,
    Expired,
}

impl BatchState {
    /// The enum value after `BATCH_STATE_` / `JOB_STATE_`.
    pub fn suffix(self) -> &'static str {
        match self {
            BatchState::Pending => "PENDING",
            BatchState::Running => "RUNNING",
            BatchState::Succeeded => "SUCCEEDED",
            BatchState::Cancelled => "CANCELLED",
            BatchState::Expired => "EXPIRED",
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, BatchState::Pending | BatchState::Running)
    }
}

#[derive(Debug, Clone)]
pub struct Batch {
    /// The part after `batches/`.
    pub id: String,
    pub model: String,
    pub display_name: String,
    pub created: DateTime<Utc>,
    pub life: BatchSettings,
    pub cancelled: Option<DateTime<Utc>>,
    /// One inlined response per request, in request order: `{"response": …}` or
    /// `{"error": …}`, with the request's `metadata` (inline) or `key` (from a file).
    pub items: Vec<Value>,
    /// The requests came from a file, so the answers go to a generated file.
    pub from_file: bool,
    /// That file (`files/…`), written when the batch is first seen succeeded.
    pub responses_file: Option<String>,
}

/// A batch seen at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub state: BatchState,
    /// Requests finished so far (all of them once succeeded).
    pub finished: usize,
    /// When the state last changed.
    pub since: DateTime<Utc>,
}

fn ms(value: u64) -> Duration {
    Duration::milliseconds(i64::try_from(value).unwrap_or(i64::MAX))
}

impl Batch {
    pub fn progress(&self, now: DateTime<Utc>) -> Progress {
        let started = self.created + ms(self.life.pending_ms);
        let done = started + ms(self.life.running_ms);
        let expires = self.created + ms(self.life.expire_ms);
        let at = |state, finished, since| Progress {
            state,
            finished,
            since,
        };
        if let Some(cancelled) = self.cancelled {
            return at(BatchState::Cancelled, 0, cancelled);
        }
        if expires <= done && now >= expires {
            return at(BatchState::Expired, 0, expires);
        }
        if now < started {
            return at(BatchState::Pending, 0, self.created);
        }
        if now < done {
            let elapsed = (now - started).num_milliseconds().max(0) as u128;
            let total = self.life.running_ms.max(1) as u128;
            let finished = (self.items.len() as u128 * elapsed / total) as usize;
            return at(BatchState::Running, finished, started);
        }
        at(BatchState::Succeeded, self.items.len(), done)
    }
}

/// Every batch created since start (or the last reset), deleted ones removed.
#[derive(Default)]
pub struct Batches {
    batches: Mutex<Vec<Batch>>,
    created: Mutex<u64>,
    pub files: Files,
}

impl Batches {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Batch>> {
        self.batches.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores a new batch and returns its id: a counter mixed with `salt`, so ids look
    /// opaque and differ between emulator runs.
    pub fn insert(&self, mut batch: Batch, salt: u64) -> Batch {
        let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
        *created += 1;
        batch.id = format!("{:012x}{:04x}", salt & 0xffff_ffff_ffff, *created);
        self.lock().push(batch.clone());
        batch
    }

    /// The batch, its responses file written first if it read its requests from a
    /// file and has just been seen succeeded (one JSONL line per request, in order).
    pub fn get_settled(&self, id: &str, now: DateTime<Utc>, salt: u64) -> Option<Batch> {
        let mut batches = self.lock();
        let batch = batches.iter_mut().find(|b| b.id == id)?;
        if batch.from_file
            && batch.responses_file.is_none()
            && batch.progress(now).state == BatchState::Succeeded
        {
            let mut bytes = Vec::new();
            for item in &batch.items {
                bytes.extend_from_slice(item.to_string().as_bytes());
                bytes.push(b'\n');
            }
            let display_name = format!("batch-{}-responses", batch.id);
            batch.responses_file = Some(self.files.generate(display_name, bytes, salt));
        }
        Some(batch.clone())
    }

    /// Newest first.
    pub fn newest_first(&self) -> Vec<Batch> {
        self.lock().iter().rev().cloned().collect()
    }

    /// Marks a pending or running batch cancelled; `Err` with its state otherwise,
    /// `None` when there is no such batch.
    pub fn cancel(&self, id: &str, now: DateTime<Utc>) -> Option<Result<(), BatchState>> {
        let mut batches = self.lock();
        let batch = batches.iter_mut().find(|b| b.id == id)?;
        let state = batch.progress(now).state;
        if state.is_final() {
            return Some(Err(state));
        }
        batch.cancelled = Some(now);
        Some(Ok(()))
    }

    pub fn delete(&self, id: &str) -> bool {
        let mut batches = self.lock();
        let before = batches.len();
        batches.retain(|b| b.id != id);
        batches.len() != before
    }

    pub fn clear(&self) {
        self.lock().clear();
        self.files.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StateNames;

    fn batch(pending_ms: u64, running_ms: u64, expire_ms: u64) -> Batch {
        Batch {
            id: String::new(),
            model: "gemini-2.5-flash".into(),
            display_name: "b".into(),
            created: Utc::now(),
            life: BatchSettings {
                pending_ms,
                running_ms,
                expire_ms,
                state_names: StateNames::Batch,
            },
            cancelled: None,
            items: vec![Value::Null; 10],
            from_file: false,
            responses_file: None,
        }
    }

    #[test]
    fn a_batch_is_pending_then_running_evenly_then_succeeded() {
        let b = batch(1000, 10_000, 1_000_000);
        let at = |ms_after: i64| b.progress(b.created + Duration::milliseconds(ms_after));
        assert_eq!(at(0).state, BatchState::Pending);
        assert_eq!(at(999).state, BatchState::Pending);
        assert_eq!(
            (at(1000).state, at(1000).finished),
            (BatchState::Running, 0)
        );
        assert_eq!(at(6000).finished, 5);
        assert_eq!(
            (at(11_000).state, at(11_000).finished),
            (BatchState::Succeeded, 10)
        );
    }

    #[test]
    fn a_batch_that_cannot_finish_in_time_expires_without_results() {
        let b = batch(1000, 10_000, 5000);
        let at = |ms_after: i64| b.progress(b.created + Duration::milliseconds(ms_after));
        assert_eq!(at(4999).state, BatchState::Running);
        assert_eq!(
            (at(5000).state, at(5000).finished),
            (BatchState::Expired, 0)
        );
        assert_eq!(at(20_000).state, BatchState::Expired);
    }

    #[test]
    fn only_a_live_batch_can_be_cancelled() {
        let batches = Batches::default();
        let live = batches.insert(batch(1000, 1000, 100_000), 7);
        let done = batches.insert(batch(0, 0, 100_000), 7);
        assert_ne!(live.id, done.id);
        let now = Utc::now();
        assert_eq!(batches.cancel(&live.id, now), Some(Ok(())));
        assert_eq!(
            batches
                .get_settled(&live.id, now, 0)
                .unwrap()
                .progress(now)
                .state,
            BatchState::Cancelled
        );
        assert_eq!(
            batches.cancel(&done.id, now),
            Some(Err(BatchState::Succeeded))
        );
        assert_eq!(batches.cancel("missing", now), None);
        assert!(batches.delete(&done.id));
        assert!(batches.get_settled(&done.id, now, 0).is_none());
    }
}
