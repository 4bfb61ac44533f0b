//! Response times: when a request arrived, and a latency drawn from the model's
//! distribution. An answer leaves its latency after the arrival: the emulator's own
//! work (reading the body, checks, composing the answer) runs inside that time, not
//! on top of it.

use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tokio::time::Instant;

use crate::config::Latency;
use crate::rng::SeededRng;

/// When a request's head reached the router, before its body was read.
#[derive(Debug, Clone, Copy)]
pub struct Arrival(pub Instant);

/// Middleware: stamps each request with its [`Arrival`].
pub async fn stamp_arrival(mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(Arrival(Instant::now()));
    next.run(request).await
}

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
