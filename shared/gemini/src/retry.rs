//! The retry policy: the one place that decides whether, when and how often a call is
//! tried again.
//!
//! Order of preference for the wait: the server's `Retry-After`, then its
//! `RetryInfo.retryDelay` (both already read into `Disposition::Retry`), then
//! exponential backoff with full jitter, capped. Every call is bounded twice: by a
//! maximum number of attempts and by a total time budget that covers attempts and
//! waits alike. A 401 on refreshable credentials is retried once, at once, with a
//! fresh token.
//!
//! A paced call (`run_paced`) asks its `CallGate` before every attempt, the first
//! and each retry, and reports every outcome to it; the time spent waiting at the
//! gate is not charged to the budget. So a paced call answered with a per-day 429
//! tries again once its gate lets it (after midnight Pacific); an unpaced one fails.

use std::future::Future;
use std::time::{Duration, Instant};

use tally_core::backoff::Backoff;

use super::error::{AttemptError, Disposition, FailureKind};
use super::gate::{AttemptReport, Pacing};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (≥ 1).
    pub max_attempts: u32,
    /// Wall time for all attempts and waits of one call.
    pub total_budget: Duration,
    /// First backoff ceiling; doubles with each retry.
    pub initial_backoff: Duration,
    /// Largest backoff ceiling.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            total_budget: Duration::from_secs(300),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// What one attempt is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 1-based.
    pub number: u32,
    /// The previous attempt was refused with 401: fetch a new token first.
    pub refresh_credentials: bool,
}

/// The result of a call with its retries.
#[derive(Debug)]
pub struct Retried<T> {
    pub result: Result<T, AttemptError>,
    pub attempts: u32,
    /// Attempts answered with a per-minute 429.
    pub rate_limited: u32,
}

impl RetryPolicy {
    /// Runs `attempt` until it succeeds, fails for good, or the policy's limits are
    /// reached; the last error is returned with a note saying why retrying stopped.
    pub async fn run<T, F, Fut>(&self, attempt: F) -> Retried<T>
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        self.run_paced(None, attempt).await
    }

    /// `run`, with every attempt admitted by `pacing`'s gate first and its outcome
    /// reported to it.
    pub async fn run_paced<T, F, Fut>(
        &self,
        pacing: Option<&Pacing<'_, T>>,
        mut attempt: F,
    ) -> Retried<T>
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let started = Instant::now();
        // Time spent queueing at the gate, which the budget does not count.
        let mut gated = Duration::ZERO;
        let spent = |gated: Duration| started.elapsed().saturating_sub(gated);
        let mut refreshed = false;
        let mut rate_limited = 0;
        let mut next = Attempt {
            number: 1,
            refresh_credentials: false,
        };
        loop {
            let mut reserved = 0;
            if let Some(pacing) = pacing {
                let waiting = Instant::now();
                reserved = pacing
                    .gate
                    .admit(pacing.model, pacing.estimated_input_tokens)
                    .await;
                gated += waiting.elapsed();
            }
            let remaining = self.total_budget.saturating_sub(spent(gated));
            let outcome = match tokio::time::timeout(remaining, attempt(next)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(AttemptError::fatal(
                    FailureKind::Timeout,
                    format!(
                        "no answer within the retry budget of {}",
                        seconds(self.total_budget)
                    ),
                )),
            };
            if let Some(pacing) = pacing {
                let report = match &outcome {
                    Ok(value) => AttemptReport::Answered {
                        input_tokens: (pacing.input_tokens)(value),
                    },
                    Err(AttemptError {
                        kind: FailureKind::RateLimited,
                        disposition,
                        ..
                    }) => AttemptReport::QuotaExceeded {
                        retry_after: match disposition {
                            Disposition::Retry { server_delay } => *server_delay,
                            _ => None,
                        },
                    },
                    Err(AttemptError {
                        kind: FailureKind::DailyQuotaExhausted,
                        ..
                    }) => AttemptReport::DailyQuotaExceeded,
                    Err(_) => AttemptReport::Failed,
                };
                pacing.gate.report(pacing.model, reserved, report).await;
            }
            let error = match outcome {
                Ok(value) => {
                    return Retried {
                        result: Ok(value),
                        attempts: next.number,
                        rate_limited,
                    };
                }
                Err(error) => error,
            };
            if error.kind == FailureKind::RateLimited {
                rate_limited += 1;
            }
            let give_up = |mut error: AttemptError, why: String| {
                error.message = format!("{} ({why})", error.message);
                Retried {
                    result: Err(error),
                    attempts: next.number,
                    rate_limited,
                }
            };
            let wait = match error.disposition {
                // A paced call waits at its gate for the next Pacific day (not
                // charged to the budget); an unpaced one has nobody to wait for it.
                Disposition::Fatal
                    if error.kind == FailureKind::DailyQuotaExhausted && pacing.is_some() =>
                {
                    Duration::ZERO
                }
                Disposition::Fatal if next.number == 1 => {
                    return Retried {
                        result: Err(error),
                        attempts: 1,
                        rate_limited,
                    };
                }
                Disposition::Fatal => {
                    let why = format!("not retried; attempt {}", next.number);
                    return give_up(error, why);
                }
                Disposition::RefreshCredentials if refreshed => {
                    return give_up(error, "still refused after a fresh token".to_string());
                }
                Disposition::RefreshCredentials => {
                    refreshed = true;
                    Duration::ZERO
                }
                Disposition::Retry { server_delay } => {
                    server_delay.unwrap_or_else(|| self.backoff(next.number))
                }
            };
            if next.number >= self.max_attempts {
                let why = format!("gave up after {} attempts", next.number);
                return give_up(error, why);
            }
            if spent(gated) + wait > self.total_budget {
                let why = format!(
                    "gave up after {} attempts: waiting {} more would exceed the retry budget of {}",
                    next.number,
                    seconds(wait),
                    seconds(self.total_budget)
                );
                return give_up(error, why);
            }
            tracing::debug!(
                attempt = next.number,
                kind = error.kind.as_str(),
                wait_ms = wait.as_millis() as u64,
                "gemini call failed, retrying"
            );
            tokio::time::sleep(wait).await;
            next = Attempt {
                number: next.number + 1,
                refresh_credentials: error.disposition == Disposition::RefreshCredentials,
            };
        }
    }

    /// Full-jitter backoff after failed attempt `attempt_number` (1-based): a uniform
    /// draw in `[0, min(max_backoff, initial_backoff × 2^(n−1))]`.
    pub fn backoff(&self, attempt_number: u32) -> Duration {
        self.schedule().full_jitter(attempt_number, rand::random())
    }

    fn schedule(&self) -> Backoff {
        Backoff {
            initial: self.initial_backoff,
            max: self.max_backoff,
        }
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            total_budget: Duration::from_secs(60),
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(4),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            max_backoff: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        let ceilings: Vec<u64> = (1..=8)
            .map(|n| policy.schedule().ceiling(n).as_secs())
            .collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(policy.schedule().ceiling(u32::MAX), Duration::from_secs(60));
        for n in 1..=8 {
            assert!(policy.backoff(n) <= policy.schedule().ceiling(n));
        }
    }

    #[tokio::test]
    async fn retryable_errors_stop_at_max_attempts() {
        let calls = Cell::new(0);
        let retried = policy()
            .run(|_| {
                calls.set(calls.get() + 1);
                async {
                    Err::<(), _>(AttemptError::retryable(
                        FailureKind::ServerError,
                        "HTTP 503",
                    ))
                }
            })
            .await;
        assert_eq!((calls.get(), retried.attempts), (4, 4));
        let error = retried.result.unwrap_err();
        assert_eq!(error.message, "HTTP 503 (gave up after 4 attempts)");
    }

    #[tokio::test]
    async fn fatal_errors_are_not_retried() {
        let calls = Cell::new(0);
        let retried = policy()
            .run(|_| {
                calls.set(calls.get() + 1);
                async { Err::<(), _>(AttemptError::fatal(FailureKind::NotFound, "HTTP 404")) }
            })
            .await;
        assert_eq!((calls.get(), retried.attempts), (1, 1));
        assert_eq!(retried.result.unwrap_err().message, "HTTP 404");
    }

    #[tokio::test]
    async fn a_server_delay_beyond_the_budget_stops_at_once() {
        let policy = RetryPolicy {
            total_budget: Duration::from_secs(5),
            ..policy()
        };
        let retried = policy
            .run(|_| async {
                Err::<(), _>(AttemptError {
                    kind: FailureKind::RateLimited,
                    message: "HTTP 429".into(),
                    disposition: Disposition::Retry {
                        server_delay: Some(Duration::from_secs(19)),
                    },
                })
            })
            .await;
        assert_eq!(retried.attempts, 1);
        let message = retried.result.unwrap_err().message;
        assert!(
            message.contains("waiting 19.0s more would exceed the retry budget of 5.0s"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_401_is_retried_once_with_fresh_credentials() {
        let seen = std::cell::RefCell::new(Vec::new());
        let retried = policy()
            .run(|attempt| {
                seen.borrow_mut().push(attempt.refresh_credentials);
                async {
                    Err::<(), _>(AttemptError {
                        kind: FailureKind::Unauthenticated,
                        message: "HTTP 401".into(),
                        disposition: Disposition::RefreshCredentials,
                    })
                }
            })
            .await;
        assert_eq!(*seen.borrow(), [false, true]);
        assert_eq!(
            retried.result.unwrap_err().message,
            "HTTP 401 (still refused after a fresh token)"
        );
    }

    /// Counts admissions and remembers reports; each admission waits `wait`.
    struct RecordingGate {
        wait: Duration,
        admitted: std::sync::Mutex<u32>,
        reports: std::sync::Mutex<Vec<AttemptReport>>,
    }

    impl super::super::gate::CallGate for RecordingGate {
        fn admit<'a>(&'a self, _model: &'a str, tokens: u64) -> super::super::BoxFuture<'a, u64> {
            Box::pin(async move {
                tokio::time::sleep(self.wait).await;
                *self.admitted.lock().unwrap() += 1;
                tokens
            })
        }
        fn report<'a>(
            &'a self,
            _model: &'a str,
            reserved: u64,
            report: AttemptReport,
        ) -> super::super::BoxFuture<'a, ()> {
            assert_eq!(reserved, 700, "the reservation comes back with the report");
            self.reports.lock().unwrap().push(report);
            Box::pin(async {})
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_paced_call_asks_the_gate_before_every_attempt_and_reports_each_outcome() {
        let gate = RecordingGate {
            // Longer than the whole budget: queueing at the gate is not charged to it.
            wait: Duration::from_secs(90),
            admitted: Default::default(),
            reports: Default::default(),
        };
        let pacing = Pacing {
            gate: &gate,
            model: "m",
            estimated_input_tokens: 700,
            input_tokens: |n: &u64| *n,
        };
        let calls = Cell::new(0);
        let retried = policy()
            .run_paced(Some(&pacing), |_| {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    match n {
                        1 => Err(AttemptError {
                            kind: FailureKind::RateLimited,
                            message: "HTTP 429".into(),
                            disposition: Disposition::Retry {
                                server_delay: Some(Duration::from_millis(1500)),
                            },
                        }),
                        2 => Err(AttemptError::retryable(FailureKind::ServerError, "503")),
                        _ => Ok(1234u64),
                    }
                }
            })
            .await;
        assert_eq!((retried.result.unwrap(), retried.attempts), (1234, 3));
        assert_eq!(retried.rate_limited, 1);
        assert_eq!(*gate.admitted.lock().unwrap(), 3);
        assert_eq!(
            *gate.reports.lock().unwrap(),
            [
                AttemptReport::QuotaExceeded {
                    retry_after: Some(Duration::from_millis(1500))
                },
                AttemptReport::Failed,
                AttemptReport::Answered { input_tokens: 1234 },
            ]
        );
    }

    #[tokio::test]
    async fn success_reports_its_attempt_number() {
        let calls = Cell::new(0);
        let retried = policy()
            .run(|_| {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    if n < 3 {
                        Err(AttemptError::retryable(FailureKind::Connection, "reset"))
                    } else {
                        Ok(n)
                    }
                }
            })
            .await;
        assert_eq!((retried.result.unwrap(), retried.attempts), (3, 3));
    }
}
