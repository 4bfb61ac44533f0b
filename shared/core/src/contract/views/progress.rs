//! Live counters of an experiment (or a run) with a completion percentage.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::run::Progress;

/// Counters with a completion percentage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = Progress)]
pub struct ProgressView {
    pub total: u64,
    pub done: u64,
    pub failed: u64,
    pub retries: u64,
    pub rate_limited: u64,
    /// `done / total` in percent, one decimal; 100 for an empty sample.
    pub percent: f64,
}

impl ProgressView {
    pub fn of(progress: Progress) -> ProgressView {
        let percent = if progress.total == 0 {
            100.0
        } else {
            (1000.0 * progress.done as f64 / progress.total as f64).round() / 10.0
        };
        ProgressView {
            total: progress.total,
            done: progress.done,
            failed: progress.failed,
            retries: progress.retries,
            rate_limited: progress.rate_limited,
            percent: percent.min(100.0),
        }
    }

    /// The sum over several experiments.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a Progress>) -> ProgressView {
        let total = parts
            .into_iter()
            .fold(Progress::default(), |sum, p| Progress {
                total: sum.total + p.total,
                done: sum.done + p.done,
                failed: sum.failed + p.failed,
                retries: sum.retries + p.retries,
                rate_limited: sum.rate_limited + p.rate_limited,
            });
        ProgressView::of(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_rounded_and_bounded() {
        let p = |total, done| Progress {
            total,
            done,
            ..Progress::default()
        };
        assert_eq!(ProgressView::of(p(3, 1)).percent, 33.3);
        assert_eq!(ProgressView::of(p(0, 0)).percent, 100.0);
        assert_eq!(ProgressView::of(p(2, 5)).percent, 100.0);
        let sum = ProgressView::sum(&[p(10, 5), p(10, 10)]);
        assert_eq!((sum.total, sum.done, sum.percent), (20, 15, 75.0));
    }
}
