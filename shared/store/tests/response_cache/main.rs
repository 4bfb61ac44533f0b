//! Response cache entries against a real Redis: stored compressed with a TTL, read
//! back exactly, overwritten by a later write, refused when too large, and a value
//! that is not a compressed entry reported as corrupt.

use std::time::Duration;

use tally_store::jobs::QueueSettings;
use tally_store::{StoreError, WorkerStore};
use tally_test_support::namespace::{TestNamespace, redis_connection};

const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async fn store(namespace: &TestNamespace) -> WorkerStore {
    WorkerStore::connect(&namespace.store_settings(), QueueSettings::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn entries_round_trip_compressed_with_a_ttl() {
    let namespace = TestNamespace::new("response-cache:round-trip");
    let store = store(&namespace).await;
    assert_eq!(store.cached_response(HASH).await.unwrap(), None);

    let body = format!(
        r#"{{"candidates": [{}]}}"#,
        r#"{"text": "ก ข ค"},"#.repeat(200)
    );
    let ttl = Duration::from_secs(3600);
    assert!(store.cache_response(HASH, &body, ttl).await.unwrap());
    assert_eq!(
        store.cached_response(HASH).await.unwrap().as_deref(),
        Some(body.as_str())
    );

    let key = store.keys().response_cache(HASH);
    let mut conn = redis_connection().await;
    let stored: i64 = redis::cmd("STRLEN")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        (stored as usize) < body.len() / 10,
        "{stored} bytes for {}",
        body.len()
    );
    let left: i64 = redis::cmd("TTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((3500..=3600).contains(&left), "TTL {left}");

    // A later write replaces the entry.
    assert!(store.cache_response(HASH, "{}", ttl).await.unwrap());
    assert_eq!(
        store.cached_response(HASH).await.unwrap().as_deref(),
        Some("{}")
    );
}

#[tokio::test]
async fn a_foreign_value_is_corrupt_not_an_answer() {
    let namespace = TestNamespace::new("response-cache:corrupt");
    let store = store(&namespace).await;
    let key = store.keys().response_cache(HASH);
    let mut conn = redis_connection().await;
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg(vec![0xffu8, 0xfe, 0x00])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(matches!(
        store.cached_response(HASH).await,
        Err(StoreError::Corrupt { .. })
    ));
}
