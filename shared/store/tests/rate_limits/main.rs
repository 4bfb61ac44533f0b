//! The shared per-model rate limiter against a real Redis: reservations are spaced
//! by the quota, tokens count, a 429 blocks the model for every caller and slows it
//! down once per episode, and the pace recovers.

mod groups;

use std::time::{Duration, Instant};

use tally_store::jobs::QueueSettings;
use tally_store::{ModelPace, Reservation, Slot, Slowdown, WorkerStore};
use tally_test_support::namespace::TestNamespace;

/// A worker's store in `namespace` (whose keys go when the test drops it).
async fn store(namespace: &TestNamespace) -> WorkerStore {
    WorkerStore::connect(&namespace.store_settings(), QueueSettings::default())
        .await
        .unwrap()
}

/// Ten seconds between requests: the few milliseconds between two calls of a test
/// do not matter next to it.
const SLOW: ModelPace = ModelPace {
    request_interval_ms: 10_000.0,
    token_interval_ms: 0.0,
    token_burst_ms: 0.0,
    recovery_ms: 60_000.0,
};

const HALVE: Slowdown = Slowdown {
    multiplier: 0.5,
    min_factor: 0.05,
    default_block: Duration::from_secs(1),
    strikes: 3,
};

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

fn call(estimated_tokens: u64, token_correction: i64) -> Reservation {
    Reservation {
        estimated_tokens,
        token_correction,
        counts_request: true,
    }
}

/// The wait of a slot; a call blocked for the day has none.
fn wait(slot: Slot) -> Duration {
    match slot {
        Slot::After(wait) => wait,
        Slot::DailyQuotaUsedUp(until) => panic!("blocked for the day until {until}"),
    }
}

/// One call's reservation on its own (no daily limit); its wait in seconds.
async fn reserve(
    store: &WorkerStore,
    model: &str,
    pace: &ModelPace,
    tokens: u64,
    correction: i64,
) -> f64 {
    let slots = store
        .reserve_calls(model, pace, 0, &[call(tokens, correction)])
        .await
        .unwrap();
    assert_eq!(slots.len(), 1, "{slots:?}");
    secs(wait(slots[0]))
}

/// The daily block each of `calls` requests of an unpaced model meets, reserved
/// together under `limit` requests per day.
async fn take_daily(
    store: &WorkerStore,
    model: &str,
    limit: u64,
    calls: usize,
) -> Vec<Option<chrono::DateTime<chrono::Utc>>> {
    let calls = vec![call(0, 0); calls];
    let slots = store
        .reserve_calls(model, &ModelPace::UNPACED, limit, &calls)
        .await
        .unwrap();
    assert_eq!(slots.len(), calls.len(), "{slots:?}");
    slots
        .into_iter()
        .map(|slot| match slot {
            Slot::After(wait) => {
                assert_eq!(wait, Duration::ZERO, "an unpaced call never waits");
                None
            }
            Slot::DailyQuotaUsedUp(until) => Some(until),
        })
        .collect()
}

#[tokio::test]
async fn reservations_are_spaced_by_the_interval() {
    let namespace = TestNamespace::new("rate-limits:spaced");
    let store = store(&namespace).await;
    let mut waits = Vec::new();
    for _ in 0..4 {
        waits.push(reserve(&store, "m", &SLOW, 0, 0).await);
    }
    for (i, wait) in waits.iter().enumerate() {
        let expected = 10.0 * i as f64;
        assert!((wait - expected).abs() < 0.5, "slot {i}: wait {wait} s");
    }
}

#[tokio::test]
async fn tokens_are_paced_with_their_burst() {
    let namespace = TestNamespace::new("rate-limits:tokens");
    let store = store(&namespace).await;
    // 1 ms per token, a burst of 5,000 tokens' worth.
    let pace = ModelPace {
        request_interval_ms: 0.0,
        token_interval_ms: 1.0,
        token_burst_ms: 5_000.0,
        recovery_ms: 60_000.0,
    };
    let first = reserve(&store, "m", &pace, 4_000, 0).await;
    let second = reserve(&store, "m", &pace, 4_000, 0).await;
    let third = reserve(&store, "m", &pace, 4_000, 0).await;
    assert!(
        first < 0.5 && second < 0.5,
        "within the burst: {first} {second}"
    );
    assert!(
        (third - 3.0).abs() < 0.5,
        "8,000 tokens out, 5,000 burst: {third}"
    );
    // 12,000 tokens are now booked; calls that used 7,000 fewer than reserved give
    // them back, and the next call fits in the burst again.
    let settled = reserve(&store, "m", &pace, 0, -7_000).await;
    assert!(settled < 0.5, "{settled}");
}

#[tokio::test]
async fn a_429_blocks_everyone_and_slows_down_once_per_episode() {
    let namespace = TestNamespace::new("rate-limits:blocked");
    let store = store(&namespace).await;
    let fast = ModelPace {
        request_interval_ms: 100.0,
        ..SLOW
    };
    // Calls are queueing for the pace: our own rate explains the 429.
    for _ in 0..3 {
        reserve(&store, "m", &fast, 0, 0).await;
    }
    store
        .rate_limited("m", &fast, &HALVE, Some(Duration::from_secs(30)))
        .await
        .unwrap();
    // A second 429 of the same episode (another call in flight) counts once.
    store
        .rate_limited("m", &fast, &HALVE, Some(Duration::from_secs(20)))
        .await
        .unwrap();
    let state = store.rate_state("m", &fast).await.unwrap();
    assert!((state.factor - 0.5).abs() < 0.01, "{state:?}");
    assert!((secs(state.blocked_for) - 30.0).abs() < 0.5, "{state:?}");
    let first = reserve(&store, "m", &fast, 0, 0).await;
    let second = reserve(&store, "m", &fast, 0, 0).await;
    assert!(
        (first - 30.0).abs() < 0.5,
        "nobody calls before the retry delay: {first}"
    );
    assert!(
        (second - first - 0.2).abs() < 0.05,
        "at half the rate: {first} then {second}"
    );
}

#[tokio::test]
async fn the_pace_recovers_after_a_429() {
    let namespace = TestNamespace::new("rate-limits:recovers");
    let store = store(&namespace).await;
    let pace = ModelPace {
        request_interval_ms: 100.0,
        recovery_ms: 300.0,
        ..SLOW
    };
    for _ in 0..3 {
        reserve(&store, "m", &pace, 0, 0).await;
    }
    store
        .rate_limited("m", &pace, &HALVE, Some(Duration::ZERO))
        .await
        .unwrap();
    let slowed = store.rate_state("m", &pace).await.unwrap().factor;
    assert!(slowed < 0.6, "{slowed}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let factor = store.rate_state("m", &pace).await.unwrap().factor;
        if factor >= 1.0 {
            break;
        }
        assert!(Instant::now() < deadline, "still at {factor}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_429_our_rate_does_not_explain_blocks_but_slows_down_only_when_repeated() {
    let namespace = TestNamespace::new("rate-limits:unexplained");
    let store = store(&namespace).await;
    let pace = ModelPace {
        request_interval_ms: 100.0,
        ..SLOW
    };
    // One call now and then: nowhere near the quota.
    reserve(&store, "m", &pace, 0, 0).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let lowered = store
        .rate_limited("m", &pace, &HALVE, Some(Duration::from_millis(200)))
        .await
        .unwrap();
    assert!(!lowered, "a single unexplained 429 keeps the pace");
    let state = store.rate_state("m", &pace).await.unwrap();
    assert_eq!(state.factor, 1.0, "{state:?}");
    assert!(
        !state.blocked_for.is_zero(),
        "but blocks the model: {state:?}"
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    let second = store
        .rate_limited("m", &pace, &HALVE, Some(Duration::ZERO))
        .await
        .unwrap();
    let third = store
        .rate_limited("m", &pace, &HALVE, Some(Duration::ZERO))
        .await
        .unwrap();
    assert_eq!((second, third), (false, true), "the third in a row does");
    let state = store.rate_state("m", &pace).await.unwrap();
    assert!((state.factor - 0.5).abs() < 0.01, "{state:?}");
}

#[tokio::test]
async fn requests_per_day_wait_for_midnight_pacific_once_used_up() {
    let namespace = TestNamespace::new("rate-limits:daily");
    let store = store(&namespace).await;
    let midnight = tally_core::run::next_pacific_midnight(chrono::Utc::now());
    assert_eq!(take_daily(&store, "m", 2, 1).await, [None]);
    assert_eq!(take_daily(&store, "m", 2, 1).await, [None]);
    assert_eq!(
        take_daily(&store, "m", 2, 1).await,
        [Some(midnight)],
        "the third waits for the next Pacific day"
    );
    assert_eq!(store.daily_block("m").await.unwrap(), Some(midnight));
    assert_eq!(store.daily_block("other").await.unwrap(), None);
    // A per-day 429 blocks a model without a configured limit too.
    assert_eq!(take_daily(&store, "other", 0, 1).await, [None]);
    store.daily_quota_exhausted("other").await.unwrap();
    assert_eq!(take_daily(&store, "other", 0, 1).await, [Some(midnight)]);
}

#[tokio::test]
async fn a_paced_call_is_counted_once_and_takes_no_slot_past_the_day() {
    let namespace = TestNamespace::new("rate-limits:daily-paced");
    let store = store(&namespace).await;
    let midnight = tally_core::run::next_pacific_midnight(chrono::Utc::now());
    // The first call counts; taking a new slot after waking late does not.
    let late = Reservation {
        counts_request: false,
        ..call(0, 0)
    };
    let slots = store
        .reserve_calls("m", &SLOW, 1, &[call(0, 0), late])
        .await
        .unwrap();
    assert!(
        matches!(slots[..], [Slot::After(_), Slot::After(_)]),
        "{slots:?}"
    );
    // The next counting call is past the limit: blocked for the day, no slot.
    let slots = store
        .reserve_calls("m", &SLOW, 1, &[call(0, 0)])
        .await
        .unwrap();
    assert_eq!(slots, [Slot::DailyQuotaUsedUp(midnight)]);
    assert_eq!(store.daily_block("m").await.unwrap(), Some(midnight));
}

#[tokio::test]
async fn limiter_state_expires_an_idle_hour_after_its_last_slot_and_unpaced_keeps_none() {
    let namespace = TestNamespace::new("rate-limits:expiry");
    let store = store(&namespace).await;
    let key = format!("{}:ratelimit:m", namespace.namespace());
    let mut conn = tally_test_support::namespace::redis_connection().await;
    let ttl = |conn: &mut redis::aio::MultiplexedConnection| {
        let mut conn = conn.clone();
        let key = key.clone();
        async move {
            let ms: i64 = redis::cmd("PTTL")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .unwrap();
            ms
        }
    };
    // The first slot is now, the next 10 s out: kept an hour past that.
    reserve(&store, "m", &SLOW, 0, 0).await;
    let first = ttl(&mut conn).await;
    assert!((3_600_000..=3_611_000).contains(&first), "{first}");
    // A second slot, 20 s out, still leaves more than half an hour: not moved.
    reserve(&store, "m", &SLOW, 0, 0).await;
    let second = ttl(&mut conn).await;
    assert!(second <= first, "{second} after {first}");

    let slots = store
        .reserve_calls("free", &ModelPace::UNPACED, 0, &[call(0, 0)])
        .await
        .unwrap();
    assert_eq!(slots, [Slot::After(Duration::ZERO)]);
    let keys = namespace.keys().await;
    assert!(
        !keys.iter().any(|k| k.contains("ratelimit:free")),
        "{keys:?}"
    );
}
