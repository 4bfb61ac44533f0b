//! `GET …/runs/{id}` served from the cache between change notices. The apps here
//! keep an answer for ten minutes, so only the notices (and the subscription's
//! loss) can make a read after a change see it.

use std::time::Duration;

use serde_json::Value;
use tally_core::run::RunId;
use tally_store::Keys;
use tally_test_support::namespace::redis_url;

use crate::helpers::{TestApp, eventually, spawn_app_with};
use crate::redis_down::Relay;

const LONG: Duration = Duration::from_secs(600);

async fn status(app: &TestApp, run: &RunId) -> Value {
    let response = app.get(&format!("/api/v1/experiments/runs/{run}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Reads the status until the API's subscription (started by the first read) is
/// made, then twice more: the answer is cached from here on.
async fn cached(app: &TestApp, run: &RunId) -> Value {
    status(app, run).await;
    let channel = Keys::new(app.store_settings().namespace.clone()).events();
    let client = redis::Client::open(redis_url()).unwrap();
    let redis = client.get_multiplexed_async_connection().await.unwrap();
    eventually(10, || {
        let mut redis = redis.clone();
        let channel = channel.clone();
        async move {
            let (_, subscribers): (String, u64) = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg(&channel)
                .query_async(&mut redis)
                .await
                .unwrap();
            (subscribers > 0).then_some(())
        }
    })
    .await;
    status(app, run).await;
    status(app, run).await
}

#[tokio::test]
async fn a_read_after_each_change_sees_it_and_the_final_state() {
    let app = spawn_app_with(|s| s.status_cache_max_age = LONG).await;
    let (run, experiments) = app.submit_run(&["gemini-2.5-flash"]).await;
    let records = app.sample_records().await;
    assert_eq!(cached(&app, &run).await["progress"]["done"], 0);

    for (done, record) in (1..).zip(&records[..3]) {
        app.write_answer(
            &experiments[0],
            record,
            Some(record.expected_output.clone()),
        )
        .await;
        let seen = status(&app, &run).await;
        assert_eq!(seen["progress"]["done"], done);
        assert_eq!(status(&app, &run).await, seen);
    }

    app.finish_run(&run).await;
    let seen = status(&app, &run).await;
    assert_eq!(seen["status"], "succeeded");
    assert_eq!(seen["result"]["total_experiments"], 1);
    assert_eq!(status(&app, &run).await["status"], "succeeded");
    app.cleanup().await;
}

#[tokio::test]
async fn a_cancel_is_seen_by_the_next_read() {
    let app = spawn_app_with(|s| s.status_cache_max_age = LONG).await;
    let (run, _) = app.submit_run(&["gemini-2.5-flash"]).await;
    assert_eq!(cached(&app, &run).await["cancel_requested"], false);
    let cancel = app
        .post(
            &format!("/api/v1/experiments/runs/{run}/cancel"),
            &Value::Null,
        )
        .await;
    assert_eq!(cancel.status(), 202);
    assert_eq!(status(&app, &run).await["cancel_requested"], true);
    app.cleanup().await;
}

#[tokio::test]
async fn without_the_subscription_nothing_is_served_from_the_cache() {
    let relay = Relay::start().await;
    relay.set(true);
    let redis_url = relay.redis_url();
    let app = spawn_app_with(move |s| {
        s.status_cache_max_age = LONG;
        s.store.redis_url = tally_store::RedisUrl::parse(&redis_url).unwrap();
    })
    .await;
    let (run, experiments) = app.submit_run(&["gemini-2.5-flash"]).await;
    let records = app.sample_records().await;
    assert_eq!(cached(&app, &run).await["progress"]["done"], 0);

    // Redis out of the API's reach: a cached answer would still be 200.
    relay.set(false);
    let path = format!("/api/v1/experiments/runs/{run}");
    eventually(20, || async {
        (app.get(&path).await.status() == 503).then_some(())
    })
    .await;
    // A change the API is not told of (its subscription is gone), then Redis back.
    app.write_answer(
        &experiments[0],
        &records[0],
        Some(records[0].expected_output.clone()),
    )
    .await;
    relay.set(true);
    let seen: Value = eventually(20, || async {
        let response = app.get(&path).await;
        if response.status() == 200 {
            response.json().await.ok()
        } else {
            None
        }
    })
    .await;
    assert_eq!(seen["progress"]["done"], 1);
    app.cleanup().await;
}
