//! Per-model request quotas over a sliding window, shared by every caller like
//! Google's per-project quotas.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::faults::lock;

#[derive(Default)]
pub struct Quotas {
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Quotas {
    /// Admits one request for `model`, or says how long until one would be admitted.
    pub fn admit(&self, model: &str, limit: u32, window: Duration) -> Result<(), Duration> {
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let admitted = windows.entry(model.to_string()).or_default();
        while admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            admitted.pop_front();
        }
        if admitted.len() >= limit as usize {
            let oldest = admitted.front().copied().unwrap_or(now);
            return Err((oldest + window).saturating_duration_since(now));
        }
        admitted.push_back(now);
        Ok(())
    }

    pub fn clear(&self) {
        lock(&self.windows).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_limit_per_model() {
        let quotas = Quotas::default();
        let window = Duration::from_secs(60);
        assert!(quotas.admit("a", 2, window).is_ok());
        assert!(quotas.admit("a", 2, window).is_ok());
        let wait = quotas.admit("a", 2, window).unwrap_err();
        assert!(wait > Duration::from_secs(59) && wait <= window, "{wait:?}");
        assert!(quotas.admit("b", 2, window).is_ok(), "quotas are per model");
        quotas.clear();
        assert!(quotas.admit("a", 2, window).is_ok());
    }
}
