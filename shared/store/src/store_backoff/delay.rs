//! Exponential backoff with jitter, up to a cap.

use std::time::Duration;

use rand::Rng;

/// The delays of a backoff: `first` after one failure, doubling after each further
/// one, never above `cap`. Each delay is drawn between half and all of that value
/// ("equal jitter"), so that workers failing together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delays {
    pub first: Duration,
    pub cap: Duration,
}

impl Delays {
    /// What the daemons' loops use: 200 ms, doubling, at most 30 s.
    pub const STORE: Delays = Delays {
        first: Duration::from_millis(200),
        cap: Duration::from_secs(30),
    };

    /// The delay after `failures` consecutive failures (1 or more).
    pub fn after(&self, failures: u32) -> Duration {
        let ceiling = self.ceiling(failures);
        ceiling.mul_f64(rand::rng().random_range(0.5..=1.0))
    }

    /// The upper bound of the delay after `failures` failures.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(32);
        self.first
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELAYS: Delays = Delays {
        first: Duration::from_millis(100),
        cap: Duration::from_secs(5),
    };

    #[test]
    fn delays_double_up_to_the_cap() {
        let ceilings: Vec<u128> = (1..=8).map(|n| DELAYS.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(DELAYS.ceiling(u32::MAX), DELAYS.cap);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_ceiling() {
        for failures in 1..=10 {
            let ceiling = DELAYS.ceiling(failures);
            for _ in 0..50 {
                let delay = DELAYS.after(failures);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{delay:?} of {ceiling:?}"
                );
            }
        }
    }
}
