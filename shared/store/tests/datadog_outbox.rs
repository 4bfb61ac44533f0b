//! The Datadog outbox against a real Redis: a claimed run is nobody else's until its
//! lease runs out (a killed worker's claim comes due again), a retry waits its
//! backoff, and a run whose export ended is never queued again.

use std::time::Duration;

use tally_core::run::RunId;
use tally_store::jobs::QueueSettings;
use tally_store::{ExportEnd, WorkerStore};
use tally_test_support::namespace::TestNamespace;

async fn store(namespace: &TestNamespace) -> WorkerStore {
    WorkerStore::connect(&namespace.store_settings(), QueueSettings::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_claim_expires_a_retry_waits_and_an_ended_export_stays_ended() {
    let namespace = TestNamespace::new("dd-outbox");
    let store = store(&namespace).await;
    let run = RunId::parse("run_01m8qxkef32wx262n64kam312v").unwrap();

    assert!(store.enqueue_export(&run).await.unwrap());
    assert!(!store.enqueue_export(&run).await.unwrap(), "queued once");
    let lease = Duration::from_millis(300);
    assert_eq!(
        store.claim_export(lease).await.unwrap().as_deref(),
        Some(run.as_str())
    );
    assert_eq!(store.claim_export(lease).await.unwrap(), None, "claimed");
    // The claimant died: once the lease is over, another worker gets the run.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store.claim_export(lease).await.unwrap().as_deref(),
        Some(run.as_str())
    );

    store
        .retry_export(&run, Duration::from_secs(60), "Datadog answered 503")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store.claim_export(lease).await.unwrap(),
        None,
        "backing off"
    );
    let progress = store.export_progress(&run).await.unwrap();
    assert_eq!(progress["attempts"], "1");
    assert_eq!(progress["state"], "pending");

    store.end_export(&run, &ExportEnd::Exported).await.unwrap();
    assert_eq!(store.outbox_len().await.unwrap(), 0);
    assert!(!store.enqueue_export(&run).await.unwrap(), "ended for good");
    assert_eq!(store.outbox_len().await.unwrap(), 0);
    assert_eq!(
        store.export_progress(&run).await.unwrap()["state"],
        "exported"
    );
}
