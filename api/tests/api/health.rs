//! The old service's health answer says truthfully whether Datadog is configured.

use serde_json::Value;
use tally_core::contract::Secret;
use tally_datadog::{Credentials, DatadogSettings};

use crate::helpers::{spawn_app, spawn_app_with};

async fn datadog_configured(app: &crate::helpers::TestApp) -> Value {
    let health: Value = app.get_json("/api/v1/experiments/health").await;
    assert!(!health.to_string().contains("secret-dd"), "{health}");
    health["datadog_configured"].clone()
}

#[tokio::test]
async fn health_says_whether_the_server_holds_datadog_keys() {
    let without = spawn_app().await;
    assert_eq!(datadog_configured(&without).await, false);
    let with = spawn_app_with(|settings| {
        settings.datadog = DatadogSettings {
            credentials: Some(Credentials {
                api_key: Secret::new("secret-dd-api"),
                app_key: Secret::new("secret-dd-app"),
            }),
            ..DatadogSettings::default()
        };
    })
    .await;
    assert_eq!(datadog_configured(&with).await, true);
}
