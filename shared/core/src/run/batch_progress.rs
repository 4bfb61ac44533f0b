//! Where an experiment run in Gemini's batch mode is: shown in its status.

use serde::{Deserialize, Serialize};

/// An experiment's batches, summed over its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchProgress {
    /// `submitted` (batches created, none running yet), `running`, `answered` (every
    /// batch finished, answers being scored), `cancelled`.
    pub state: String,
    /// Batches created for the experiment (it is split to stay under the 20 MB
    /// inline limit; an expired batch's records are submitted once more).
    pub batches: u32,
    /// Requests the batches have finished so far.
    pub answered: u64,
    /// Requests submitted.
    pub submitted: u64,
}

impl BatchProgress {
    /// "batch running: 12 of 40 answered".
    pub fn describe(&self) -> String {
        format!(
            "batch {}: {} of {} answered",
            self.state, self.answered, self.submitted
        )
    }
}
