//! Redis unreachable: the API stays up, answers 503 with a JSON body, and recovers by
//! itself when Redis returns — both before it ever connected and after an outage.
//!
//! The API reaches the real Redis through a loopback TCP relay the test switches off
//! (new connections are dropped, open ones cut) and on again.

use std::sync::Arc;

use serde_json::{Value, json};
use tally_test_support::namespace::redis_url;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{SAMPLE, error_of, eventually, spawn_app_with};

/// A TCP relay to the real Redis, off until `set(true)`.
pub(crate) struct Relay {
    port: u16,
    up: Arc<watch::Sender<bool>>,
}

impl Relay {
    pub(crate) async fn start() -> Relay {
        let redis = url::Url::parse(&redis_url()).unwrap();
        let upstream = format!(
            "{}:{}",
            redis.host_str().unwrap(),
            redis.port().unwrap_or(6379)
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, _) = watch::channel(false);
        let up = Arc::new(up);
        let relay_up = up.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !*relay_up.borrow() {
                    drop(inbound);
                    continue;
                }
                let mut down = relay_up.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = down.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Relay { port, up }
    }

    pub(crate) fn set(&self, up: bool) {
        self.up.send_replace(up);
    }

    /// The configured URL (credentials and database too) with the relay as its
    /// address.
    pub(crate) fn redis_url(&self) -> String {
        let mut through_relay = url::Url::parse(&redis_url()).unwrap();
        through_relay.set_host(Some("127.0.0.1")).unwrap();
        through_relay.set_port(Some(self.port)).unwrap();
        through_relay.to_string()
    }
}

#[tokio::test]
async fn unreachable_redis_is_503_and_the_api_recovers() {
    let relay = Relay::start().await;
    let redis_url = relay.redis_url();
    let app = spawn_app_with(move |s| {
        s.store.redis_url = tally_store::RedisUrl::parse(&redis_url).unwrap();
    })
    .await;
    let unavailable = json!({"error": {"code": "store_unreachable",
        "message": "the store (Redis) is unreachable; try again shortly", "details": []}});

    // Down from the start: the process answers; what needs Redis is 503.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(error_of(app.get("/readyz").await, 503).await, unavailable);
    let import = json!({"path": SAMPLE});
    assert_eq!(
        error_of(app.post("/api/v1/datasets/import", &import).await, 503).await,
        unavailable
    );
    let health: Value = app.get_json("/api/v1/experiments/health").await;
    assert_eq!(
        (health["status"].as_str(), health["redis"].as_str()),
        (Some("degraded"), Some("unreachable"))
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("tally_redis_up 0"), "{metrics}");

    // Redis returns: the next requests connect.
    relay.set(true);
    eventually(20, || async {
        (app.get("/readyz").await.status() == 200).then_some(())
    })
    .await;
    assert_eq!(
        app.post("/api/v1/datasets/import", &import).await.status(),
        201
    );

    // An outage after connecting: 503 again, then recovery.
    relay.set(false);
    eventually(20, || async {
        let response = app.get("/api/v1/datasets").await;
        (response.status() == 503).then_some(())
    })
    .await;
    relay.set(true);
    let list: Value = eventually(20, || async {
        let response = app.get("/api/v1/datasets").await;
        if response.status() == 200 {
            response.json().await.ok()
        } else {
            None
        }
    })
    .await;
    assert_eq!(list["datasets"][0]["name"], SAMPLE);
    app.cleanup().await;
}
