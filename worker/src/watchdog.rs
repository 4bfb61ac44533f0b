//! `Watchdog`: notices a queue's apalis worker that stopped beating while its
//! process lives on, so `supervise` can replace it.
//!
//! A Redis that stalls for longer than the missed-heartbeat window (a `CLIENT PAUSE`,
//! a slow fork or disk) makes every worker look dead to the others: their orphan
//! recovery drops each other's registrations and re-enqueues the jobs in flight. A
//! worker whose next beat is refused stops and is restarted; one whose poll loop
//! never comes back would hold nothing, take nothing and never beat again, and the
//! jobs it alone could see (a due retry in the `scheduled` set, say) would wait for
//! ever. The watchdog reads the worker's own beat from Redis and ends it when the
//! beat is older than the window, or gone after it was seen.

use std::time::Duration;

use tally_store::WorkerStore;

pub struct Watchdog {
    pub store: WorkerStore,
    /// `plan`, `chunk` or `finalize`.
    pub kind: &'static str,
}

impl Watchdog {
    /// Returns once the apalis worker named `worker` has stopped beating.
    pub async fn stalled(&self, worker: &str) {
        let settings = self.store.queues().settings;
        let interval = settings.heartbeat_interval;
        // The window after which other workers give up on this one, and one beat more.
        let window = interval * (settings.missed_heartbeats as u32 + 1);
        let mut seen = false;
        loop {
            tokio::time::sleep(interval).await;
            let Ok(beat) = self.store.worker_beat(self.kind, worker).await else {
                // The store does not answer: the worker's own poll fails and stops it.
                continue;
            };
            let now = chrono::Utc::now().timestamp().max(0) as u64;
            match beat {
                Some(at) if Duration::from_secs(now.saturating_sub(at)) > window => {
                    tracing::warn!(
                        worker,
                        queue = self.kind,
                        "the queue worker stopped beating; replacing it"
                    );
                    return;
                }
                Some(_) => seen = true,
                None if seen => {
                    tracing::warn!(
                        worker,
                        queue = self.kind,
                        "the queue worker was declared dead by the others; replacing it"
                    );
                    return;
                }
                None => {}
            }
        }
    }
}
