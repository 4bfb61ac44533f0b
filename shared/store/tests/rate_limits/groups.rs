//! Calls reserving or counting in one group get what the same calls would one after
//! another: the same slots (each call's own tokens and correction), the same state
//! left behind, and the same daily block for the requests past the limit.

use tally_store::{ModelPace, WorkerStore};
use tally_test_support::namespace::TestNamespace;

use crate::{call, reserve, secs, store, take_daily, wait};

/// A second between requests, a millisecond per token with five seconds' burst:
/// the few milliseconds between a test's calls do not matter next to it.
const PACE: ModelPace = ModelPace {
    request_interval_ms: 1_000.0,
    token_interval_ms: 1.0,
    token_burst_ms: 5_000.0,
    recovery_ms: 60_000.0,
};

/// (estimated tokens, correction) of four calls, and the waits (s) they get in
/// turn: the second settles 2,000 tokens back and waits for the request slot, the
/// third settles 6,000 more and waits for the token schedule past the burst.
const CALLS: [(u64, i64); 4] = [(4_000, 0), (3_000, -2_000), (0, 6_000), (2_000, 500)];
const WAITS: [f64; 4] = [0.0, 1.0, 6.0, 7.0];
/// The next call's wait after them: the token schedule, 8.5 s ahead.
const NEXT: f64 = 8.5;

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?}");
    for (got, want) in got.iter().zip(want) {
        assert!((got - want).abs() < 0.3, "{what}: {got:?}, want {want:?}");
    }
}

#[tokio::test]
async fn a_group_reserves_the_slots_of_the_same_calls_in_turn() {
    let namespace = TestNamespace::new("rate-limits:group");
    let store: WorkerStore = store(&namespace).await;

    let mut alone = Vec::new();
    for (tokens, correction) in CALLS {
        alone.push(reserve(&store, "alone", &PACE, tokens, correction).await);
    }
    assert_close(&alone, &WAITS, "one after another");

    let calls: Vec<_> = CALLS.iter().map(|&(t, c)| call(t, c)).collect();
    let grouped: Vec<f64> = store
        .reserve_calls("grouped", &PACE, 0, &calls)
        .await
        .unwrap()
        .into_iter()
        .map(|slot| secs(wait(slot)))
        .collect();
    assert_close(&grouped, &WAITS, "in one group");

    // Both left the limiter where the next call waits the same.
    let after_alone = reserve(&store, "alone", &PACE, 0, 0).await;
    let after_group = reserve(&store, "grouped", &PACE, 0, 0).await;
    assert_close(&[after_alone, after_group], &[NEXT, NEXT], "the next call");
}

#[tokio::test]
async fn a_daily_group_across_the_limit_blocks_the_requests_past_it() {
    let namespace = TestNamespace::new("rate-limits:daily-group");
    let store = store(&namespace).await;
    let midnight = tally_core::run::next_pacific_midnight(chrono::Utc::now());

    // Three of five counted, then four at once: two fit, two wait for midnight.
    for _ in 0..3 {
        assert_eq!(take_daily(&store, "m", 5, 1).await, [None]);
    }
    let untils = take_daily(&store, "m", 5, 4).await;
    assert_eq!(untils, [None, None, Some(midnight), Some(midnight)]);
    assert_eq!(store.daily_block("m").await.unwrap(), Some(midnight));
    // Once blocked, a whole group waits.
    let untils = take_daily(&store, "m", 5, 2).await;
    assert_eq!(untils, [Some(midnight), Some(midnight)]);

    // Without a limit a group is never blocked by counting, but learns of a
    // per-day 429's block.
    let untils = take_daily(&store, "free", 0, 3).await;
    assert_eq!(untils, [None, None, None]);
    store.daily_quota_exhausted("free").await.unwrap();
    let untils = take_daily(&store, "free", 0, 3).await;
    assert_eq!(untils, [Some(midnight); 3]);
}
