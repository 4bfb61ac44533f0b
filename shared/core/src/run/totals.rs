//! An experiment's running totals: every sum and count its summary needs, kept as
//! integers so the store can add each result's share in the script that writes the
//! result, and `finalize` reads one small hash instead of every result.
//!
//! Integers make the totals independent of the order results arrive in: a float sum
//! would differ from run to run in its last bits. Fractions are fixed-point
//! (`SCORE_SCALE`, `USD_SCALE`); with at most 20 million results per experiment
//! (1,000,000 records × 20 trials) no sum comes near `i64::MAX`. Latencies are counted
//! per bucket (`latency_bucket`): exact below 1,024 ms, within 0.2 % above, so the
//! percentiles read a bounded histogram whatever the number of results.

use std::collections::BTreeMap;

use crate::contract::{LatencyPercentiles, TokenUsage};
use crate::evaluators::{Evaluations, record_summary_values};

use super::model::{RecordResult, RecordStatus};

/// Units of a per-record summary value (a score in `[0, 1]`): 1e-11.
pub const SCORE_SCALE: f64 = 1e11;
/// Units of a cost: 1e-10 USD.
pub const USD_SCALE: f64 = 1e10;
/// Significant bits a latency keeps in its bucket.
const LATENCY_BITS: u32 = 10;

const RESULTS: &str = "results";
const SUCCEEDED: &str = "succeeded";
const RETRIES: &str = "retries";
const CACHE_HITS: &str = "cache_hits";
const EMULATED: &str = "emulated";
const PROMPT: &str = "tokens:prompt";
const OUTPUT: &str = "tokens:output";
const THINKING: &str = "tokens:thinking";
const CACHED: &str = "tokens:cached";
const COST: &str = "cost";
const COSTED: &str = "cost:n";
const SAVED: &str = "cache_saved";
const SAVINGS: &str = "cache_saved:n";
const ERROR: &str = "error:";
const SUM: &str = "sum:";
const COUNT: &str = "count:";
const LATENCY: &str = "latency:";

/// Sums and counts by field; a field never added is 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultTotals {
    fields: BTreeMap<String, i64>,
}

impl ResultTotals {
    /// What one result adds, as (field, increment) pairs; zero increments are left out.
    pub fn increments(result: &RecordResult) -> Vec<(String, i64)> {
        let mut add = Vec::with_capacity(32);
        let mut push = |field: &str, by: i64| {
            if by != 0 {
                add.push((field.to_string(), by));
            }
        };
        push(RESULTS, 1);
        push(
            SUCCEEDED,
            i64::from(result.status == RecordStatus::Succeeded),
        );
        push(RETRIES, i64::from(result.retries()));
        push(CACHE_HITS, i64::from(result.cached));
        push(EMULATED, i64::from(result.emulated));
        push(PROMPT, saturating(result.tokens.prompt));
        push(OUTPUT, saturating(result.tokens.output));
        push(THINKING, saturating(result.tokens.thinking));
        push(CACHED, saturating(result.tokens.cached));
        if let Some(cost) = result.cost_usd {
            push(COSTED, 1);
            push(COST, fixed(cost, USD_SCALE));
        }
        if let Some(saved) = result.cached_cost_usd {
            push(SAVINGS, 1);
            push(SAVED, fixed(saved, USD_SCALE));
        }
        if let Some(error) = &result.error {
            push(&format!("{ERROR}{}", error.kind), 1);
        }
        if result.attempts > 0 {
            push(
                &format!("{LATENCY}{}", latency_bucket(result.latency_ms)),
                1,
            );
        }
        for (name, value) in record_summary_values(&result.evaluations) {
            push(&format!("{COUNT}{name}"), 1);
            push(&format!("{SUM}{name}"), fixed(value, SCORE_SCALE));
        }
        add
    }

    /// The totals of stored fields (what the store read back).
    pub fn from_fields(fields: impl IntoIterator<Item = (String, i64)>) -> Self {
        let mut totals = Self::default();
        for (field, by) in fields {
            totals.add(field, by, 1);
        }
        totals
    }

    /// The totals of `results`, as the store would have added them up.
    pub fn from_results(results: &[RecordResult]) -> Self {
        Self::from_fields(results.iter().flat_map(Self::increments))
    }

    fn add(&mut self, field: String, by: i64, times: u64) {
        let by = by.saturating_mul(i64::try_from(times).unwrap_or(i64::MAX));
        let entry = self.fields.entry(field).or_default();
        *entry = entry.saturating_add(by);
    }

    fn get(&self, field: &str) -> i64 {
        self.fields.get(field).copied().unwrap_or(0)
    }

    fn count(&self, field: &str) -> u64 {
        u64::try_from(self.get(field)).unwrap_or(0)
    }

    /// Results added up.
    pub fn results(&self) -> u64 {
        self.count(RESULTS)
    }

    pub fn succeeded(&self) -> u64 {
        self.count(SUCCEEDED)
    }

    pub fn retries(&self) -> u64 {
        self.count(RETRIES)
    }

    pub fn cache_hits(&self) -> u64 {
        self.count(CACHE_HITS)
    }

    /// Whether any result came from an emulated model.
    pub fn emulated(&self) -> bool {
        self.count(EMULATED) > 0
    }

    pub fn tokens(&self) -> TokenUsage {
        TokenUsage {
            prompt: self.count(PROMPT),
            output: self.count(OUTPUT),
            thinking: self.count(THINKING),
            cached: self.count(CACHED),
        }
    }

    /// The summed cost, when any result had one.
    pub fn cost_usd(&self) -> Option<f64> {
        (self.count(COSTED) > 0).then(|| self.get(COST) as f64 / USD_SCALE)
    }

    /// The summed cost of the answers taken from the response cache, when any was.
    pub fn cache_saved_usd(&self) -> Option<f64> {
        (self.count(SAVINGS) > 0).then(|| self.get(SAVED) as f64 / USD_SCALE)
    }

    /// Results per error kind.
    pub fn errors_by_kind(&self) -> BTreeMap<String, u64> {
        self.fields
            .iter()
            .filter_map(|(field, &n)| Some((field.strip_prefix(ERROR)?.to_string(), n)))
            .filter_map(|(kind, n)| Some((kind, u64::try_from(n).ok().filter(|&n| n > 0)?)))
            .collect()
    }

    /// Adds `evaluations`' per-record summary values `times` times (the records of a
    /// sample that have no result count as one failed evaluation each).
    pub fn add_evaluations(&mut self, evaluations: &Evaluations, times: u64) {
        for (name, value) in record_summary_values(evaluations) {
            self.add(format!("{COUNT}{name}"), 1, times);
            self.add(format!("{SUM}{name}"), fixed(value, SCORE_SCALE), times);
        }
    }

    /// The summed per-record value of summary evaluator `name` and how many records
    /// it was applicable to.
    pub fn evaluator_sum(&self, name: &str) -> (f64, u64) {
        (
            self.get(&format!("{SUM}{name}")) as f64 / SCORE_SCALE,
            self.count(&format!("{COUNT}{name}")),
        )
    }

    /// Nearest-rank percentiles of the model-call latency of results that made a
    /// call, read from the latency buckets.
    pub fn latency_percentiles(&self) -> Option<LatencyPercentiles> {
        let mut buckets: Vec<(u64, u64)> = self
            .fields
            .iter()
            .filter_map(|(field, &n)| {
                let bucket = field.strip_prefix(LATENCY)?.parse().ok()?;
                Some((bucket, u64::try_from(n).ok().filter(|&n| n > 0)?))
            })
            .collect();
        buckets.sort_unstable();
        let calls: u64 = buckets.iter().map(|(_, n)| n).sum();
        if calls == 0 {
            return None;
        }
        let rank = |p: f64| {
            let wanted = ((p * calls as f64).ceil() as u64).clamp(1, calls);
            let mut seen = 0;
            for &(bucket, n) in &buckets {
                seen += n;
                if seen >= wanted {
                    return bucket as f64;
                }
            }
            0.0
        };
        Some(LatencyPercentiles {
            p50: rank(0.50),
            p95: rank(0.95),
        })
    }
}

/// The bucket of a latency: the value itself below 2^`LATENCY_BITS` ms, above it
/// the value with all but its `LATENCY_BITS` highest bits cleared (at most 0.2 %
/// lower than the value).
pub fn latency_bucket(ms: u64) -> u64 {
    let bits = u64::BITS - ms.leading_zeros();
    if bits <= LATENCY_BITS {
        return ms;
    }
    let shift = bits - LATENCY_BITS;
    (ms >> shift) << shift
}

fn fixed(value: f64, scale: f64) -> i64 {
    // `as` saturates; a NaN cost (never stored) would count 0.
    (value * scale).round() as i64
}

fn saturating(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
