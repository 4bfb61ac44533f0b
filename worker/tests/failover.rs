//! Redis Sentinel: tally finds the primary through the sentinels, and when the
//! primary is killed in the middle of a run, follows the failover to the promoted
//! replica — store calls and job queues alike — and the run completes with every
//! result exactly once. A subscription to the change notices (the API's) asks the
//! sentinels for the primary too.
//!
//! A private primary, its replica and three sentinels on loopback; the shared Redis
//! is not used. The test is alone in its binary because it points the process's
//! Redis settings at them. `TALLY_REDIS_URL` names the replica, which the test's own
//! helpers (cleanup, key listings) read from; tally itself asks the sentinels.

use std::time::Duration;

use futures::StreamExt;
use tally_core::contract::RunStatus;
use tally_store::events::{Notice, subscribe};
use tally_store::{
    Keys, REDIS_URL_ENV, RedisUrl, SENTINEL_MASTER_ENV, SENTINELS_ENV, StoreSettings,
};
use tally_test_support::pipeline::{Harness, poll, run_with_env};
use tally_test_support::private_redis::PrivateRedis;
use tally_test_support::sentinels::{MASTER, Sentinels};

const RECORDS: u32 = 150;

#[test]
fn a_run_follows_the_failover_to_the_replica_and_completes_with_every_result_once() {
    let mut primary = PrivateRedis::start("0");
    let replica = PrivateRedis::start_replica_of(&primary);
    let sentinels = Sentinels::start(&primary, 1);
    assert_eq!(sentinels.primary_port(), Some(primary.port()));
    run_with_env(
        &[
            (REDIS_URL_ENV, replica.url()),
            (SENTINELS_ENV, sentinels.addresses()),
            (SENTINEL_MASTER_ENV, MASTER.to_string()),
        ],
        fail_over(&mut primary, &replica, &sentinels),
    );
}

async fn fail_over(primary: &mut PrivateRedis, replica: &PrivateRedis, sentinels: &Sentinels) {
    let mut harness = Harness::start_with_fixture("failover", 40, RECORDS).await;
    notices_come_from_the_primary_the_sentinels_name(&harness, primary).await;
    harness.start_worker("first").await;
    harness.start_worker("second").await;
    let (run, experiment) = harness.submit_fixture_run(4).await;
    let done = || harness.done(&experiment);
    harness.wait_for_results(&experiment, 20).await;
    assert!(
        done().await < u64::from(RECORDS),
        "the run is still going when the primary dies"
    );

    primary.kill();
    tokio::task::block_in_place(|| sentinels.wait_for_primary(replica.port()));
    poll(
        "the run completes on the new primary",
        Duration::from_secs(240),
        || async {
            harness
                .store
                .run(&run)
                .await
                .ok()
                .flatten()
                .is_some_and(|view| view.status.is_final())
        },
    )
    .await;
    let view = harness.wait_final(&run, Duration::from_secs(1)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let results = harness.store.all_results(&experiment).await.expect("store");
    assert_eq!(results.len(), RECORDS as usize, "every result, none lost");
    assert_eq!(done().await, u64::from(RECORDS), "none counted twice");
    harness.cleanup().await;
}

/// With `TALLY_REDIS_URL` naming no server at all, a subscription still hears what
/// the primary publishes: it asked the sentinels where the primary is.
async fn notices_come_from_the_primary_the_sentinels_name(
    harness: &Harness,
    primary: &PrivateRedis,
) {
    let settings = StoreSettings {
        redis_url: RedisUrl::parse("redis://127.0.0.1:1").unwrap(),
        ..harness.store_settings.clone()
    };
    let notices = subscribe(&settings)
        .await
        .expect("subscribed through the sentinels");
    let mut notices = std::pin::pin!(notices);
    assert_eq!(notices.next().await, Some(Notice::Resync));
    let mut conn = redis::Client::open(primary.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let channel = Keys::new(settings.namespace.clone()).events();
    let _: u64 = redis::cmd("PUBLISH")
        .arg(channel)
        .arg("run_failover")
        .query_async(&mut conn)
        .await
        .unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(10), notices.next()).await;
    assert_eq!(
        heard.ok().flatten(),
        Some(Notice::Changed("run_failover".into()))
    );
}
