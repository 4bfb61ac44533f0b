//! Where an efficiency run's call slots idled: each stored result is a call that held
//! a slot from `finished_at - latency_ms` to `finished_at`; the slots not busy over
//! the run's wall time are split into the start (until the calls in flight first
//! reach their steady level), the end (after they last stood at it) and the middle.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tally_core::run::RecordResult;

use crate::phases::round;

/// Lost slot-seconds, start / middle / end, and what bounds the phases.
pub fn split(
    results: &[RecordResult],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    slots: usize,
) -> Value {
    let span_ms = (to - from).num_milliseconds().max(1) as usize;
    // Calls in flight per millisecond, from +1 / -1 at each call's start and end.
    let mut delta = vec![0i64; span_ms + 1];
    let mut latency_ms = 0u64;
    let at = |time: DateTime<Utc>| ((time - from).num_milliseconds().max(0) as usize).min(span_ms);
    for result in results {
        let end = at(result.finished_at);
        let start =
            at(result.finished_at - chrono::TimeDelta::milliseconds(result.latency_ms as i64));
        delta[start] += 1;
        delta[end] -= 1;
        latency_ms += result.latency_ms;
    }
    let mut busy = Vec::with_capacity(span_ms);
    let mut level = 0i64;
    for change in &delta[..span_ms] {
        level += change;
        busy.push(level.clamp(0, slots as i64) as usize);
    }
    // The steady level: the median of the middle half of the run.
    let mut middle: Vec<usize> = busy[span_ms / 4..span_ms * 3 / 4].to_vec();
    middle.sort_unstable();
    let steady = middle.get(middle.len() / 2).copied().unwrap_or(slots);
    let first_call = busy.iter().position(|&b| b > 0).unwrap_or(span_ms);
    let ramped = busy.iter().position(|&b| b >= steady).unwrap_or(0);
    let draining = busy
        .iter()
        .rposition(|&b| b >= steady)
        .map_or(span_ms, |i| i + 1);
    let idle = |range: std::ops::Range<usize>| -> f64 {
        busy[range].iter().map(|&b| (slots - b) as f64).sum::<f64>() / 1000.0
    };
    let capacity = slots as f64 * span_ms as f64 / 1000.0;
    let (start, middle, end) = (
        idle(0..ramped),
        idle(ramped..draining),
        idle(draining..span_ms),
    );
    let share = |lost: f64| round(100.0 * lost / capacity, 2);
    // How long the first worker to run out of calls waited for the last one.
    let mut last_by_worker = std::collections::BTreeMap::new();
    for result in results {
        let last = last_by_worker
            .entry(result.worker.clone().unwrap_or_default())
            .or_insert(result.finished_at);
        *last = (*last).max(result.finished_at);
    }
    let spread = match (last_by_worker.values().min(), last_by_worker.values().max()) {
        (Some(first), Some(last)) => (*last - *first).num_milliseconds(),
        _ => 0,
    };
    json!({
        "slot_s": round(capacity, 1),
        "call_s": round(latency_ms as f64 / 1000.0, 1),
        "mean_call_ms": round(latency_ms as f64 / results.len().max(1) as f64, 2),
        "steady_in_flight": steady,
        "first_call_ms": first_call,
        "ramped_ms": ramped,
        "draining_ms": span_ms - draining,
        "workers_last_call_spread_ms": spread,
        "lost_slot_s": {"start": round(start, 1), "middle": round(middle, 1), "end": round(end, 1)},
        "lost_pct": {"start": share(start), "middle": share(middle), "end": share(end)},
    })
}
