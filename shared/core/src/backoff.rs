//! Exponential backoff with full jitter and a cap, for every retry loop.
//!
//! Pure: the caller brings the random draw, so a retry loop can be tested with a
//! fixed one and this crate needs no random generator of its own.

use std::time::Duration;

use crate::random;

/// Ceilings `initial × 2^(n−1)` for attempt `n`, never above `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The ceiling after failed attempt `attempt` (1-based; 0 counts as 1).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        // 2^30 × any sensible initial wait is far past any cap.
        let doublings = attempt.saturating_sub(1).min(30);
        self.initial.saturating_mul(1 << doublings).min(self.max)
    }

    /// Full jitter: a uniform wait in `[0, ceiling(attempt)]` from one random draw,
    /// so clients that failed together do not retry together.
    pub fn full_jitter(&self, attempt: u32, draw: u64) -> Duration {
        self.ceiling(attempt).mul_f64(random::fraction(draw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let backoff = Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
        };
        let ceilings: Vec<u64> = (1..=8).map(|n| backoff.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff.ceiling(0), Duration::from_secs(1));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn full_jitter_stays_under_the_ceiling() {
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
        };
        assert_eq!(backoff.full_jitter(3, 0), Duration::ZERO);
        assert_eq!(backoff.full_jitter(3, 1 << 63), Duration::from_millis(200));
        for n in 1..=10 {
            assert!(backoff.full_jitter(n, u64::MAX) <= backoff.ceiling(n));
        }
    }
}
