//! A Redis that fills up: the store says so (`StoreCondition::OutOfMemory`), a
//! dataset import it refuses — before or in the middle of its upload — leaves
//! nothing behind, and a run or a dataset that would not fit is refused before
//! anything is written. A private `redis-server` with `noeviction` stands in for a
//! full production Redis; the shared one is never reconfigured.

use serde_json::json;
use tally_core::contract::ExperimentRequest;
use tally_core::dataset::{ContentHash, DatasetName, DatasetRecord};
use tally_core::run::Submitter;
use tally_store::submission::{DEFAULT_MAX_CHUNK_SIZE, Submission, SubmitError};
use tally_store::{
    ApiStore, BYTES_PER_RESULT, Footprint, MEMORY_BUDGET_ENV, NAMESPACE_ENV, REDIS_URL_ENV,
    StoreCondition, StoreError, StoreSettings,
};
use tally_test_support::private_redis::PrivateRedis;

/// `count` records of about 500 bytes each, with 200 bytes of their own that do
/// not compress (so the size of an upload grows with its records).
fn records(count: usize) -> Vec<DatasetRecord> {
    (0..count)
        .map(|n| {
            let noise: String = (0..25)
                .map(|_| format!("{:x}", rand::random::<u32>()))
                .collect();
            serde_json::from_value(json!({
                "id": format!("unit-{n}"),
                "metadata": {"scan": noise},
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
    connect_with_budget(redis, None).await
}

async fn connect_with_budget(redis: &PrivateRedis, budget: Option<u64>) -> ApiStore {
    let url = redis.url();
    let settings = StoreSettings::from_lookup(|name| match name {
        REDIS_URL_ENV => Some(url.clone()),
        NAMESPACE_ENV => Some("pressure".to_string()),
        MEMORY_BUDGET_ENV => budget.map(|bytes| bytes.to_string()),
        _ => None,
    })
    .expect("settings");
    ApiStore::connect(&settings).await.expect("private Redis")
}

fn submission(dataset: &str, models: usize) -> Submission {
    let configs: Vec<String> = (0..models)
        .map(|n| format!(r#"{{"model": "gemini-2.5-flash", "temperature": 0.{n}}}"#))
        .collect();
    let configs = configs.join(", ");
    let body = format!(r#"{{"dataset_name": "{dataset}", "model_configs": [{configs}]}}"#);
    Submission {
        request: ExperimentRequest::from_json_bytes(body.as_bytes()).expect("valid request"),
        submitter: Submitter {
            api_key_name: Some("test".into()),
            schedule: None,
        },
        idempotency: None,
    }
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

    // Room for the start of an upload, not for all of it (and a budget that lets it
    // past the footprint check): the upload is one transaction, refused whole or,
    // if it went in, dropped with its version.
    set_maxmemory(&redis, redis.used_memory() + 1_000_000);
    let over_budget = connect_with_budget(&redis, Some(1 << 40)).await;
    let error = over_budget
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

#[tokio::test]
async fn a_run_or_a_dataset_that_cannot_fit_is_refused_with_the_numbers_before_any_write() {
    let redis = PrivateRedis::start("0");
    let store = connect(&redis).await;
    let name = DatasetName::parse("fit").expect("name");
    store
        .register_dataset_version(&name, &hash('a'), "fit", &records(100))
        .await
        .expect("an import while there is room");
    // Room for 150 results: two experiments of 100 records need 200.
    let room = 150 * BYTES_PER_RESULT;
    set_maxmemory(&redis, redis.used_memory() + room);
    let before = keys(&redis);
    let refusal = match store
        .submit(submission("fit", 2), DEFAULT_MAX_CHUNK_SIZE)
        .await
    {
        Err(SubmitError::Store(StoreError::WontFit(refusal))) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refusal.footprint,
        Footprint::Run {
            records: 200,
            experiments: 2,
            trials: 1
        }
    );
    assert_eq!(refusal.room.limit, "maxmemory");
    assert!(refusal.room.free_bytes() <= room, "{refusal}");
    let message = refusal.to_string();
    assert!(
        message.contains("200 records over 2 experiment(s) × 1 trial(s)")
            && message.contains("use a smaller sample_size"),
        "{message}"
    );
    assert_eq!(keys(&redis), before, "nothing written");
    // One experiment fits.
    store
        .submit(submission("fit", 1), DEFAULT_MAX_CHUNK_SIZE)
        .await
        .expect("a run that fits is accepted");

    // A budget below maxmemory is what counts: with no room left under it, a dataset
    // is refused too, and nothing of it is written.
    set_maxmemory(&redis, 0);
    let budgeted = connect_with_budget(&redis, Some(redis.used_memory())).await;
    let before = keys(&redis);
    let error = budgeted
        .register_dataset_version(&name, &hash('b'), "fit", &records(500))
        .await
        .expect_err("refused under the budget");
    let StoreError::WontFit(refusal) = error else {
        panic!("expected a refusal, got {error}");
    };
    assert_eq!(refusal.room.limit, MEMORY_BUDGET_ENV);
    assert!(
        matches!(refusal.footprint, Footprint::Dataset { records: 500, .. }),
        "{refusal}"
    );
    assert_eq!(refusal.footprint.field(), "path");
    assert_eq!(keys(&redis), before, "nothing written");
    let error = budgeted
        .submit(submission("fit", 1), DEFAULT_MAX_CHUNK_SIZE)
        .await
        .expect_err("refused under the budget");
    assert!(
        matches!(error, SubmitError::Store(StoreError::WontFit(_))),
        "{error}"
    );
}
