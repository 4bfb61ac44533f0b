//! Absolute URLs of runs and experiments, from the configured public base URL.
//!
//! Built in one place so the API's `status_url`, the summaries' `experiment_url` and
//! the UI's routes cannot disagree.

use super::ids::{ExperimentId, RunId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrls {
    base: String,
}

impl PublicUrls {
    /// `base` like `http://localhost:8000` (a trailing `/` is dropped).
    pub fn new(base: &str) -> PublicUrls {
        PublicUrls {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn run_status(&self, run: &RunId) -> String {
        format!("{}/api/v1/experiments/runs/{run}", self.base)
    }

    pub fn run_page(&self, run: &RunId) -> String {
        format!("{}/ui/#/runs/{run}", self.base)
    }

    pub fn experiment_page(&self, experiment: &ExperimentId) -> String {
        format!("{}/ui/#/experiments/{experiment}", self.base)
    }

    pub fn comparison_page(&self, run: &RunId) -> String {
        format!("{}/ui/#/runs/{run}/compare", self.base)
    }
}
