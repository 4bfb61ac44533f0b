//! Keeps one queue's apalis worker running, and waits — with backoff — when it stops.
//!
//! A worker stops when its queue cannot be polled: Redis is down, or refuses the
//! poll's writes (out of memory, read-only). Restarting at once only fails again,
//! thousands of times a second, each with a log line; instead the next start waits
//! an exponentially growing, jittered delay (`StoreBackoff`), and the error is logged
//! once and then summarised. A worker that ran long enough before it stopped starts
//! the backoff over.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use apalis::prelude::Monitor;
use tally_store::store_backoff::{Delays, StoreBackoff};
use tokio::sync::watch;

use crate::running::RunningJobs;
use crate::watchdog::Watchdog;

/// A worker that ran this long before it stopped was healthy in between.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// After the last handler returned, how long a stopping queue worker waits for
/// apalis to acknowledge the jobs it still can before letting go.
const SETTLE: Duration = Duration::from_millis(200);

/// Runs `build(attempt)` — a monitor holding one queue's worker, named
/// `name(attempt)` — until `stop` turns true; a monitor that ends by itself, or whose
/// worker the `watchdog` finds no longer beating, is started again after a backoff
/// delay. Once told to stop, it lets go as soon as no job handler of the process
/// runs (`running`), or when `grace` has run out, abandoning what is still in
/// flight. `operation` names the queue in log lines.
pub async fn supervise(
    operation: &'static str,
    name: impl Fn(usize) -> String,
    build: impl Fn(String) -> Monitor,
    watchdog: Watchdog,
    grace: Duration,
    running: RunningJobs,
    mut stop: watch::Receiver<bool>,
) {
    let backoff = StoreBackoff::new(operation, Delays::STORE);
    for attempt in 0.. {
        let stopped = Arc::new(Mutex::new(None::<String>));
        let cause = stopped.clone();
        let mut signal = stop.clone();
        let started = Instant::now();
        let worker = name(attempt);
        let watchdog = &watchdog;
        let outcome = build(worker.clone())
            // The restart is ours (below), after a delay: the monitor's own restart
            // would start again at once.
            .should_restart(move |_, error| {
                *cause.lock().unwrap_or_else(PoisonError::into_inner) = Some(error.to_string());
                false
            })
            // Jobs in flight when the monitor is told to stop get `grace`; then it lets
            // go of them, whatever they wait for (a store that does not answer). It
            // lets go sooner once no handler runs: apalis's own close may never come
            // (`running`).
            .with_terminator(let_go(operation, grace, running.clone()))
            .run_with_signal(async move {
                tokio::select! {
                    _ = signal.wait_for(|stop| *stop) => {}
                    () = watchdog.stalled(&worker) => {}
                }
                Ok(())
            })
            .await;
        if *stop.borrow() {
            return;
        }
        let error = stopped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .or_else(|| outcome.err().map(|e| e.to_string()))
            .unwrap_or_else(|| "the worker stopped".to_string());
        if started.elapsed() >= HEALTHY_RUN {
            backoff.succeeded();
        }
        let delay = backoff.failed(&error);
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// Resolves, once first polled (when the monitor starts to stop), as soon as no job
/// handler runs and apalis has had `SETTLE` to acknowledge what it still can; or when
/// `grace` runs out, saying that whatever is still in flight is left behind.
async fn let_go(operation: &'static str, grace: Duration, running: RunningJobs) {
    let handlers_done = async {
        running.idle().await;
        tokio::time::sleep(SETTLE).await;
    };
    tokio::select! {
        () = handlers_done => {
            tracing::debug!(queue = operation, "no job running: the queue worker lets go");
        }
        () = tokio::time::sleep(grace) => {
            tracing::warn!(
                queue = operation,
                grace_secs = grace.as_secs(),
                "the queue worker did not stop within the shutdown grace: abandoned with any \
                 job still in flight (their records' leases lapse and other workers redo them)"
            );
        }
    }
}
