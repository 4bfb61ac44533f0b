//! A Redis that fills up: the store says so (`StoreCondition::OutOfMemory`), and a
//! dataset import it refuses — before or in the middle of its upload — leaves
//! nothing behind. A private `redis-server` with `noeviction` stands in for a full
//! production Redis; the shared one is never reconfigured.

use serde_json::json;
use tally_core::dataset::{ContentHash, DatasetName, DatasetRecord};
use tally_store::{ApiStore, NAMESPACE_ENV, REDIS_URL_ENV, StoreCondition, StoreSettings};
use tally_test_support::private_redis::PrivateRedis;

/// `count` records of about 500 bytes each.
fn records(count: usize) -> Vec<DatasetRecord> {
    (0..count)
        .map(|n| {
            serde_json::from_value(json!({
                "id": format!("unit-{n}"),
                "input": {"form_set_name": format!("unit-{n}"),
                          "image_paths": [format!("images/{n}.png")], "num_pages": 1},
                "expected_output": [{
                    "form_info": {"form_type": "Constituency", "province": "กรุงเทพมหานคร",
                                  "district": "บางพลัด", "polling_station_number": n},
                    "voter_statistics": {"eligible_voters": 600, "voters_present": 360},
                    "ballot_statistics": {"ballots_allocated": 600, "ballots_used": 360,
                                          "good_ballots": 300, "bad_ballots": 12,
                                          "no_vote_ballots": 48, "ballots_remaining": 240},
                    "vote_results": [{"number": 1, "vote_count": n}]
                }]
            }))
            .expect("a valid record")
        })
        .collect()
}

fn hash(marker: char) -> ContentHash {
    ContentHash::parse(&format!("sha256:{}", marker.to_string().repeat(64))).expect("hash")
}

async fn connect(redis: &PrivateRedis) -> ApiStore {
    let url = redis.url();
    let settings = StoreSettings::from_lookup(|name| match name {
        REDIS_URL_ENV => Some(url.clone()),
        NAMESPACE_ENV => Some("pressure".to_string()),
        _ => None,
    })
    .expect("settings");
    ApiStore::connect(&settings).await.expect("private Redis")
}

fn keys(redis: &PrivateRedis) -> Vec<String> {
    let mut keys: Vec<String> = match redis.command(&["KEYS", "*"]).expect("KEYS") {
        redis::Value::Array(values) => values
            .into_iter()
            .map(|value| redis::from_redis_value(value).expect("a key name"))
            .collect(),
        other => panic!("KEYS: {other:?}"),
    };
    keys.sort();
    keys
}

fn set_maxmemory(redis: &PrivateRedis, bytes: u64) {
    redis
        .command(&["CONFIG", "SET", "maxmemory", &bytes.to_string()])
        .expect("CONFIG SET");
}

#[tokio::test]
async fn a_full_store_says_so_and_a_refused_import_leaves_nothing() {
    let redis = PrivateRedis::start("0");
    let store = connect(&redis).await;
    let name = DatasetName::parse("pressure").expect("name");
    store
        .register_dataset_version(&name, &hash('a'), "pressure", &records(2))
        .await
        .expect("an import while there is room");
    assert_eq!(store.health().await.condition, StoreCondition::Reachable);
    let before = keys(&redis);

    // Full: the probe and a new import are refused, and nothing is written.
    set_maxmemory(&redis, redis.used_memory() / 2);
    let health = store.health().await;
    assert_eq!(health.condition, StoreCondition::OutOfMemory, "{health:?}");
    assert!(!health.condition.accepts_writes());
    let memory = store.memory().await.expect("INFO answers while full");
    assert!(memory.used_bytes > memory.max_bytes, "{memory:?}");
    let error = store
        .register_dataset_version(&name, &hash('b'), "pressure", &records(2))
        .await
        .expect_err("refused while full");
    assert_eq!(
        error.condition(),
        Some(StoreCondition::OutOfMemory),
        "{error}"
    );
    assert_eq!(keys(&redis), before);

    // Room for the start of an upload, not for all of it: the part staged is
    // dropped at once.
    set_maxmemory(&redis, redis.used_memory() + 4_000_000);
    let error = store
        .register_dataset_version(&name, &hash('c'), "pressure", &records(20_000))
        .await
        .expect_err("refused halfway");
    assert_eq!(
        error.condition(),
        Some(StoreCondition::OutOfMemory),
        "{error}"
    );
    let staged: Vec<String> = keys(&redis)
        .into_iter()
        .filter(|key| key.contains("dataset_staging:"))
        .collect();
    assert!(staged.is_empty(), "left behind: {staged:?}");
    assert_eq!(
        store.dataset_versions(&name).await.expect("read").len(),
        1,
        "no version was registered"
    );

    // Room again: the same import goes through.
    set_maxmemory(&redis, 0);
    assert_eq!(store.health().await.condition, StoreCondition::Reachable);
    store
        .register_dataset_version(&name, &hash('c'), "pressure", &records(20_000))
        .await
        .expect("an import once memory is freed");
}
