//! What an evaluator produces: a `MetricValue` per evaluator, collected by name in
//! `Evaluations` — the map stored with every record result and every summary.
//!
//! The JSON form is the plainest one a UI can show: `true`, `0.8333…`, `"warning"`,
//! or `null` for "not applicable".

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A fraction in `[0, 1]`: a share of matching fields, a pass rate, an accuracy.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Score(f64);

#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("a score must be between 0 and 1, got {0}")]
pub struct ScoreOutOfRange(pub f64);

impl Score {
    pub const ZERO: Score = Score(0.0);
    pub const ONE: Score = Score(1.0);

    pub fn new(value: f64) -> Result<Score, ScoreOutOfRange> {
        if (0.0..=1.0).contains(&value) {
            Ok(Score(value))
        } else {
            Err(ScoreOutOfRange(value))
        }
    }

    /// The mean of values that are each in `[0, 1]`; `None` for no values. Clamped,
    /// because a weighted sum like 0.2 + 0.4 + 0.4 may round to 1.0000000000000002.
    pub(crate) fn mean(values: impl IntoIterator<Item = f64>) -> Option<Score> {
        let (sum, count) = values
            .into_iter()
            .fold((0.0, 0u64), |(s, n), v| (s + v, n + 1));
        Score::from_sum(sum, count)
    }

    /// The mean of `count` values in `[0, 1]` that sum to `sum`; `None` for none.
    pub(crate) fn from_sum(sum: f64, count: u64) -> Option<Score> {
        (count > 0).then(|| Score((sum / count as f64).clamp(0.0, 1.0)))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Score {
    type Error = ScoreOutOfRange;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Score::new(value)
    }
}

impl From<Score> for f64 {
    fn from(score: Score) -> f64 {
        score.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One evaluator's value for one record (or for a whole experiment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetricValue {
    Bool(bool),
    Score(Score),
    Categorical(String),
    /// The evaluator has nothing to judge: no expected output, or the fields it
    /// checks are missing. Left out of every mean and rate.
    NotApplicable,
}

impl From<Option<Score>> for MetricValue {
    fn from(score: Option<Score>) -> Self {
        score.map_or(MetricValue::NotApplicable, MetricValue::Score)
    }
}

impl From<Option<bool>> for MetricValue {
    fn from(pass: Option<bool>) -> Self {
        pass.map_or(MetricValue::NotApplicable, MetricValue::Bool)
    }
}

/// Evaluator name → value, in name order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Evaluations(BTreeMap<String, MetricValue>);

impl Evaluations {
    /// The value of `name`; an evaluator that was not run reads as not applicable.
    pub fn get(&self, name: &str) -> &MetricValue {
        self.0.get(name).unwrap_or(&MetricValue::NotApplicable)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &MetricValue)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn insert(&mut self, name: &str, value: MetricValue) {
        self.0.insert(name.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_serialise_as_plain_json() {
        let mut evaluations = Evaluations::default();
        evaluations.insert("a", MetricValue::Bool(true));
        evaluations.insert("b", MetricValue::Score(Score::new(5.0 / 6.0).unwrap()));
        evaluations.insert("c", MetricValue::Categorical("warning".into()));
        evaluations.insert("d", MetricValue::NotApplicable);
        let json = serde_json::to_string(&evaluations).unwrap();
        assert_eq!(
            json,
            r#"{"a":true,"b":0.8333333333333334,"c":"warning","d":null}"#
        );
        let back: Evaluations = serde_json::from_str(&json).unwrap();
        assert_eq!(back, evaluations);
        // A whole-number score written as an integer is still a score.
        let one: Evaluations = serde_json::from_str(r#"{"b":1}"#).unwrap();
        assert_eq!(one.get("b"), &MetricValue::Score(Score::ONE));
    }

    #[test]
    fn scores_outside_zero_to_one_are_rejected() {
        assert_eq!(Score::new(1.5), Err(ScoreOutOfRange(1.5)));
        assert!(Score::new(f64::NAN).is_err());
        assert!(serde_json::from_str::<Score>("-0.1").is_err());
        assert_eq!(Score::mean([]), None);
        assert_eq!(Score::mean([0.0, 1.0]), Some(Score(0.5)));
        assert_eq!(Score::mean([0.2 + 0.4 + 0.4 + 1e-15]), Some(Score::ONE));
    }
}
