//! How many model calls of one experiment may be in flight.
//!
//! An experiment's `jobs` caps its model calls in flight. This worker enforces the
//! cap per process with one semaphore per experiment; every call site takes a
//! `CallPermit` here, so a cluster-wide cap replaces this one file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tally::run::ExperimentId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Experiments remembered before the table is cleared (finished experiments' entries
/// would otherwise accumulate in a long-lived worker).
const MAX_TRACKED: usize = 1024;

#[derive(Default)]
pub struct CallLimits {
    semaphores: Mutex<HashMap<ExperimentId, Arc<Semaphore>>>,
}

/// Held for the duration of one model call.
pub struct CallPermit {
    _permit: OwnedSemaphorePermit,
}

impl CallLimits {
    pub async fn acquire(&self, experiment: &ExperimentId, jobs: u64) -> CallPermit {
        let semaphore = {
            let mut table = self
                .semaphores
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if table.len() >= MAX_TRACKED && !table.contains_key(experiment) {
                // Callers in flight keep their Arc; only future calls get a new one.
                table.clear();
            }
            table
                .entry(experiment.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(jobs.clamp(1, 10_000) as usize)))
                .clone()
        };
        let permit = semaphore
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        CallPermit { _permit: permit }
    }
}
