//! An idle worker fetches a pushed job at once: pushes are announced, and the
//! worker's subscription wakes its fetcher. Here the worker polls its queues and
//! beats (apalis fetches again on every beat) only once a minute, so a run that
//! completes within seconds was woken, not polled.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tally_core::contract::RunStatus;
use tally_store::jobs::QueueSettings;

use crate::harness::{Harness, WorkerOptions, poll, queue_settings};

#[tokio::test]
async fn an_idle_worker_is_woken_by_a_push_not_by_its_poll() {
    let mut harness = Harness::start_with_fixture("wake", 0, 30).await;
    let queues = QueueSettings {
        idle_poll: Duration::from_secs(60),
        heartbeat_interval: Duration::from_secs(60),
        ..queue_settings()
    };
    harness
        .start_worker_with(
            "woken",
            WorkerOptions {
                queues: Some(queues),
                ..WorkerOptions::default()
            },
        )
        .await;
    // Registered, and past its first look at the queues (made when it starts).
    poll("the worker beats", Duration::from_secs(10), || async {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let alive = harness
            .worker_store
            .workers_alive(now.as_secs(), Duration::from_secs(5));
        alive.await.unwrap_or(0) >= 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (run, _) = harness.submit_fixture_run(4).await;
    let view = harness.wait_final(&run, Duration::from_secs(30)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    harness.cleanup().await;
}
