//! How many job handlers this process is running, so a stopping worker lets go of
//! its queues as soon as none is, not at the end of its shutdown grace.
//!
//! apalis-core 1.0 acknowledges a finished job through a small channel (four events
//! with a fetch size of one) that its worker stops draining once it is told to stop,
//! and it closes only when every job is acknowledged: with enough jobs ending after
//! SIGTERM it never closes by itself and waits out the grace (`supervise`). In
//! `tests/pipeline/stop.rs` sixteen chunk jobs ending did that; four did not. The jobs it could not
//! acknowledge stay in its in-flight set; other workers take them back when its
//! beats stop and find their records done, as after a crash.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct RunningJobs(Arc<Counter>);

#[derive(Default)]
struct Counter {
    running: AtomicUsize,
    idle: Notify,
}

/// One running handler; dropped when it returns (or panics).
pub struct RunningJob(Arc<Counter>);

impl RunningJobs {
    pub fn enter(&self) -> RunningJob {
        self.0.running.fetch_add(1, Ordering::SeqCst);
        RunningJob(self.0.clone())
    }

    /// Returns once no handler runs.
    pub async fn idle(&self) {
        loop {
            let idle = self.0.idle.notified();
            if self.0.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

impl Drop for RunningJob {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}
