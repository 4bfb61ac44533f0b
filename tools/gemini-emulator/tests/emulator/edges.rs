//! The emulator's server edges: an admin token on `/_emulator/*` when configured, and
//! a client sending half its headers is disconnected.

use std::time::Duration;

use gemini_emulator::{ServerOptions, serve_with};
use tally_daemon::serve::ConnectionLimits;
use tally_daemon::server::{RunningServer, spawn_on_loopback};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{API_KEY, test_config};

const TOKEN: &str = "emulator-admin-0123456789";

async fn start(options: ServerOptions) -> RunningServer {
    spawn_on_loopback("gemini-emulator", |listener, shutdown| {
        serve_with(test_config(), listener, options, shutdown)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_admin_routes_need_the_token_when_one_is_set() {
    let emulator = start(ServerOptions {
        admin_token: Some(TOKEN.to_string()),
        ..ServerOptions::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = format!("{}/_emulator/settings", emulator.base_url());
    for request in [
        client.get(&url),
        client.get(&url).bearer_auth("wrong-token"),
        client.post(format!("{}/_emulator/reset", emulator.base_url())),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let response = client.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_client_sending_half_its_headers_is_disconnected() {
    let emulator = start(ServerOptions {
        limits: ConnectionLimits {
            header_read_timeout: Duration::from_secs(1),
            ..ConnectionLimits::default()
        },
        admin_token: None,
    })
    .await;
    let mut slow = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    slow.write_all(b"POST /v1beta/models/m:generateContent HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let stats = reqwest::get(format!("{}/_emulator/stats", emulator.base_url()))
        .await
        .unwrap();
    assert_eq!(stats.status(), 200);
    let mut received = Vec::new();
    // Only a bound on a hang; no assertion is about time.
    let closed =
        tokio::time::timeout(Duration::from_secs(60), slow.read_to_end(&mut received)).await;
    assert!(closed.is_ok(), "the emulator kept the connection open");
}

#[tokio::test]
async fn the_settings_never_show_the_api_keys() {
    let emulator = start(ServerOptions::default()).await;
    let client = reqwest::Client::new();
    let url = format!("{}/_emulator/settings", emulator.base_url());
    let text = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains(API_KEY), "{text}");
    let mut settings: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(settings["api_key_count"], 1);
    assert!(settings.get("api_keys").is_none());

    // What was read may be sent back; new keys may be set, and are not shown either.
    settings["hang_ms"] = serde_json::json!(7);
    let patched = client.patch(&url).json(&settings).send().await.unwrap();
    assert_eq!(patched.status(), 200);
    let text = patched.text().await.unwrap();
    assert!(!text.contains(API_KEY), "{text}");
    let patched = client
        .patch(&url)
        .json(&serde_json::json!({"api_keys": [API_KEY, "second-key-0123"]}))
        .send()
        .await
        .unwrap();
    let text = patched.text().await.unwrap();
    assert!(
        !text.contains(API_KEY) && !text.contains("second-key"),
        "{text}"
    );
    let settings: serde_json::Value = client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["api_key_count"], 2);
    assert_eq!(settings["hang_ms"], 7);
}
