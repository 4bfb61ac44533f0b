//! What a task produced for one record: the reports it read, or why there are none.

use serde::{Deserialize, Serialize};

use crate::extraction::{Report, parse_reports};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The answer parsed into a list of reports.
    Reports(Vec<Report>),
    /// The task failed (model error, timeout …) or its answer was not a list of
    /// reports; the message says which.
    Failed(String),
}

impl Outcome {
    /// Reads a model's raw answer; an unparsable one is a failed outcome that keeps
    /// the parser's precise message.
    pub fn from_answer(text: &str) -> Outcome {
        match parse_reports(text) {
            Ok(reports) => Outcome::Reports(reports),
            Err(error) => Outcome::Failed(format!("unparsable output: {error}")),
        }
    }

    /// The reports, or `None` for a failed task.
    pub fn reports(&self) -> Option<&[Report]> {
        match self {
            Outcome::Reports(reports) => Some(reports),
            Outcome::Failed(_) => None,
        }
    }
}
