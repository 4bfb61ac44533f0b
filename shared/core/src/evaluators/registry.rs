//! Evaluators are values: a name, what they measure and how to compute it. The
//! registry lists them all, so a run can record which ones it used, the UI can explain
//! each one, and adding an evaluator is one file plus one line here.

use std::sync::LazyLock;

use serde::{Serialize, Serializer};

use super::outcome::Outcome;
use super::value::MetricValue;
use super::{accuracy, consistency, summary};
use crate::extraction::Report;

/// When an evaluator runs: on every record, or once over all records of an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    PerRecord,
    Summary,
}

/// The kind of value an evaluator yields (besides "not applicable").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricType {
    Bool,
    Score,
    Categorical,
}

/// How an evaluator computes its value. Whether it needs the expected output follows
/// from the variant, so it cannot be declared wrongly.
#[derive(Clone, Copy)]
pub enum Compute {
    /// Per record, against the expected reports; not applicable when there are none.
    Labelled(fn(expected: &[Report], outcome: &Outcome) -> MetricValue),
    /// Per record, from the outcome alone (usable on unlabelled data).
    Unlabelled(fn(outcome: &Outcome) -> MetricValue),
    /// Over an experiment: the mean, over the records where it is defined, of a
    /// number read from the records' values of `inputs` (per-record evaluators).
    Summary {
        inputs: &'static [&'static str],
        per_record: fn(inputs: &[&MetricValue]) -> Option<f64>,
    },
}

#[derive(Clone, Copy)]
pub struct Evaluator {
    pub(super) name: &'static str,
    pub(super) metric_type: MetricType,
    pub(super) description: &'static str,
    pub(super) compute: Compute,
}

impl Evaluator {
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn metric_type(&self) -> MetricType {
        self.metric_type
    }

    /// One sentence for the UI and reports: what the value means.
    pub fn description(&self) -> &'static str {
        self.description
    }

    pub fn compute(&self) -> Compute {
        self.compute
    }

    pub fn kind(&self) -> Kind {
        match self.compute {
            Compute::Labelled(_) | Compute::Unlabelled(_) => Kind::PerRecord,
            Compute::Summary { .. } => Kind::Summary,
        }
    }

    /// Whether the evaluator needs a record's expected output; a summary needs it when
    /// any of its inputs does.
    pub fn needs_expected(&self) -> bool {
        match self.compute {
            Compute::Labelled(_) => true,
            Compute::Unlabelled(_) => false,
            Compute::Summary { inputs, .. } => inputs
                .iter()
                .any(|input| by_name(input).is_some_and(Evaluator::needs_expected)),
        }
    }
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The description of an evaluator as a run records it and the UI lists it.
impl Serialize for Evaluator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View {
            name: &'static str,
            kind: Kind,
            metric_type: MetricType,
            needs_expected: bool,
            description: &'static str,
        }
        View {
            name: self.name,
            kind: self.kind(),
            metric_type: self.metric_type,
            needs_expected: self.needs_expected(),
            description: self.description,
        }
        .serialize(serializer)
    }
}

static REGISTRY: LazyLock<Vec<Evaluator>> = LazyLock::new(|| {
    [
        accuracy::EVALUATORS.as_slice(),
        consistency::EVALUATORS.as_slice(),
        summary::EVALUATORS.as_slice(),
    ]
    .concat()
});

/// Every evaluator, per-record ones first.
pub fn registry() -> &'static [Evaluator] {
    &REGISTRY
}

pub fn by_name(name: &str) -> Option<&'static Evaluator> {
    registry().iter().find(|evaluator| evaluator.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique() {
        let mut seen = HashSet::new();
        for evaluator in registry() {
            assert!(
                seen.insert(evaluator.name()),
                "{} registered twice",
                evaluator.name()
            );
        }
    }

    #[test]
    fn summaries_read_registered_per_record_evaluators() {
        for evaluator in registry() {
            if let Compute::Summary { inputs, .. } = evaluator.compute() {
                assert_eq!(
                    evaluator.metric_type(),
                    MetricType::Score,
                    "{}",
                    evaluator.name()
                );
                for input in inputs {
                    let source = by_name(input)
                        .unwrap_or_else(|| panic!("{} reads unknown {input}", evaluator.name()));
                    assert_eq!(
                        source.kind(),
                        Kind::PerRecord,
                        "{} reads {input}",
                        evaluator.name()
                    );
                }
            }
        }
    }

    #[test]
    fn lists_itself_for_a_run() {
        let listed = serde_json::to_value(by_name("ballot_accuracy_score").unwrap()).unwrap();
        assert_eq!(listed["kind"], "per_record");
        assert_eq!(listed["metric_type"], "score");
        assert_eq!(listed["needs_expected"], true);
        let rate = serde_json::to_value(by_name("success_rate").unwrap()).unwrap();
        assert_eq!(rate["kind"], "summary");
        assert_eq!(rate["needs_expected"], false);
        assert_eq!(
            by_name("overall_accuracy").map(Evaluator::needs_expected),
            Some(true)
        );
        assert!(by_name("no_such_evaluator").is_none());
    }
}
