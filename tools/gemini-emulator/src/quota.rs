//! Per-model quotas over a sliding window, shared by every caller like Google's
//! per-project quotas: requests per window (RPM) and *input* tokens per window (TPM;
//! Google counts `promptTokenCount`, images included, and neither output nor
//! thinking), and requests per Pacific day (RPD, reset at midnight Pacific). A
//! refused request counts toward none.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use tally_core::run::{next_pacific_midnight, pacific_day};

use crate::faults::lock;

/// Quota ids as the Developer API names them in `QuotaFailure.violations[].quotaId`.
pub const REQUESTS_PER_MINUTE: &str = "GenerateRequestsPerMinutePerProjectPerModel";
pub const INPUT_TOKENS_PER_MINUTE: &str = "GenerateContentPaidTierInputTokensPerModelPerMinute";
pub const REQUESTS_PER_DAY: &str = "GenerateRequestsPerDayPerProjectPerModel";

/// A model's limits per window; `None` = not limited.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    pub requests: Option<u32>,
    pub input_tokens: Option<u64>,
    pub requests_per_day: Option<u64>,
}

/// Which quota refused a request, its limit, and how long until it would be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub quota_id: &'static str,
    pub limit: u64,
    pub wait: Duration,
}

#[derive(Default)]
pub struct Quotas {
    /// Per model: admitted requests with their input tokens, oldest first.
    windows: Mutex<HashMap<String, VecDeque<(Instant, u64)>>>,
    /// Per model: the Pacific day counted and its requests.
    days: Mutex<HashMap<String, (String, u64)>>,
}

impl Quotas {
    /// Admits one request for `model` carrying `input_tokens`, or says which quota
    /// refused it.
    pub fn admit(
        &self,
        model: &str,
        limits: Limits,
        input_tokens: u64,
        window: Duration,
    ) -> Result<(), Refusal> {
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let admitted = windows.entry(model.to_string()).or_default();
        while admitted
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) >= window)
        {
            admitted.pop_front();
        }
        let until_free = |index: usize| {
            admitted.get(index).map_or(Duration::ZERO, |(t, _)| {
                (*t + window).saturating_duration_since(now)
            })
        };
        if let Some(limit) = limits.requests
            && admitted.len() >= limit as usize
        {
            return Err(Refusal {
                quota_id: REQUESTS_PER_MINUTE,
                limit: u64::from(limit),
                wait: until_free(admitted.len() - limit as usize),
            });
        }
        if let Some(limit) = limits.input_tokens {
            let used: u64 = admitted.iter().map(|(_, tokens)| tokens).sum();
            if used + input_tokens > limit {
                // The wait until enough of the oldest requests have left the window.
                let mut freed = 0;
                let mut index = 0;
                while index < admitted.len() && used - freed + input_tokens > limit {
                    freed += admitted[index].1;
                    index += 1;
                }
                return Err(Refusal {
                    quota_id: INPUT_TOKENS_PER_MINUTE,
                    limit,
                    wait: until_free(index.saturating_sub(1)),
                });
            }
        }
        let today = pacific_day(Utc::now()).to_string();
        let mut days = lock(&self.days);
        let day = days.entry(model.to_string()).or_default();
        if day.0 != today {
            *day = (today, 0);
        }
        if let Some(limit) = limits.requests_per_day
            && day.1 >= limit
        {
            let midnight = next_pacific_midnight(Utc::now());
            return Err(Refusal {
                quota_id: REQUESTS_PER_DAY,
                limit,
                wait: (midnight - Utc::now()).to_std().unwrap_or_default(),
            });
        }
        day.1 += 1;
        admitted.push_back((now, input_tokens));
        Ok(())
    }

    pub fn clear(&self) {
        lock(&self.windows).clear();
        lock(&self.days).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_request_limit_per_model() {
        let quotas = Quotas::default();
        let window = Duration::from_secs(60);
        let limits = Limits {
            requests: Some(2),
            ..Limits::default()
        };
        assert!(quotas.admit("a", limits, 10, window).is_ok());
        assert!(quotas.admit("a", limits, 10, window).is_ok());
        let refusal = quotas.admit("a", limits, 10, window).unwrap_err();
        assert_eq!(refusal.quota_id, REQUESTS_PER_MINUTE);
        assert!(
            refusal.wait > Duration::from_secs(59) && refusal.wait <= window,
            "{refusal:?}"
        );
        assert!(
            quotas.admit("b", limits, 10, window).is_ok(),
            "quotas are per model"
        );
        quotas.clear();
        assert!(quotas.admit("a", limits, 10, window).is_ok());
    }

    #[test]
    fn input_tokens_count_toward_the_token_quota_and_refusals_do_not() {
        let quotas = Quotas::default();
        let window = Duration::from_secs(60);
        let limits = Limits {
            input_tokens: Some(1000),
            ..Limits::default()
        };
        assert!(quotas.admit("a", limits, 600, window).is_ok());
        let refusal = quotas.admit("a", limits, 500, window).unwrap_err();
        assert_eq!(
            (refusal.quota_id, refusal.limit),
            (INPUT_TOKENS_PER_MINUTE, 1000)
        );
        assert!(
            quotas.admit("a", limits, 400, window).is_ok(),
            "the refused 500 did not count"
        );
    }
}

#[cfg(test)]
mod daily_tests {
    use super::*;

    #[test]
    fn requests_per_day_answer_with_the_per_day_quota_id() {
        let quotas = Quotas::default();
        let limits = Limits {
            requests_per_day: Some(1),
            ..Limits::default()
        };
        let window = Duration::from_secs(60);
        assert!(quotas.admit("a", limits, 10, window).is_ok());
        let refusal = quotas.admit("a", limits, 10, window).unwrap_err();
        assert_eq!((refusal.quota_id, refusal.limit), (REQUESTS_PER_DAY, 1));
        assert!(
            refusal.wait <= Duration::from_secs(25 * 3600),
            "{refusal:?}"
        );
    }
}
