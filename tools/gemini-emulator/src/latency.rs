//! Drawing a response time from a model's latency distribution.

use std::time::Duration;

use crate::config::Latency;
use crate::rng::SeededRng;

/// Upper bound of any drawn latency: a heavy lognormal tail must not hang a test.
const MAX_LATENCY: Duration = Duration::from_secs(300);

pub fn sample(latency: &Latency, rng: &mut SeededRng) -> Duration {
    let ms = match *latency {
        Latency::Fixed { ms } => ms as f64,
        Latency::Uniform { min_ms, max_ms } => {
            min_ms as f64 + rng.next_f64() * (max_ms - min_ms) as f64
        }
        Latency::Lognormal { median_ms, sigma } => median_ms * (sigma * rng.normal()).exp(),
    };
    Duration::from_secs_f64(ms.max(0.0) / 1000.0).min(MAX_LATENCY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_stay_in_their_bounds() {
        let mut rng = SeededRng::from_u64(2);
        assert_eq!(
            sample(&Latency::Fixed { ms: 200 }, &mut rng),
            Duration::from_millis(200)
        );
        for _ in 0..500 {
            let d = sample(
                &Latency::Uniform {
                    min_ms: 10,
                    max_ms: 20,
                },
                &mut rng,
            );
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(20));
        }
        let mut draws: Vec<Duration> = (0..1001)
            .map(|_| {
                sample(
                    &Latency::Lognormal {
                        median_ms: 100.0,
                        sigma: 0.3,
                    },
                    &mut rng,
                )
            })
            .collect();
        draws.sort();
        let median = draws[500].as_millis();
        assert!((85..115).contains(&median), "median {median}");
    }
}
