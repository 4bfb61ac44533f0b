//! Final runs reach Datadog (datadog-emulator) through the outbox: every record's
//! span and metrics once, summary metrics and the final status, even when Datadog
//! is down while the run finishes; no key is stored in Redis.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};
use tally_core::contract::Secret;
use tally_core::run::RunId;
use tally_datadog::{Credentials, DatadogSettings};
use tally_worker::datadog::DatadogExport;

use crate::harness::{Harness, WorkerOptions, poll, request};

pub const API_KEY: &str = "emulator-api-key";
pub const APP_KEY: &str = "emulator-app-key";

pub fn export_to(base_url: &str) -> DatadogExport {
    let settings = DatadogSettings {
        credentials: Some(Credentials {
            api_key: Secret::new(API_KEY),
            app_key: Secret::new(APP_KEY),
        }),
        override_origin: Some(base_url.to_string()),
        ..DatadogSettings::default()
    };
    DatadogExport::from_settings(settings).expect("keys are set")
}

async fn get(http: &reqwest::Client, url: String) -> Value {
    http.get(url)
        .header("DD-API-KEY", API_KEY)
        .header("DD-APPLICATION-KEY", APP_KEY)
        .send()
        .await
        .expect("emulator answers")
        .json()
        .await
        .expect("json")
}

pub async fn set_outage(http: &reqwest::Client, base: &str, outage: bool) {
    let status = http
        .patch(format!("{base}/_emulator/faults"))
        .json(&json!({ "outage": outage }))
        .send()
        .await
        .expect("emulator answers")
        .status();
    assert!(status.is_success());
}

#[tokio::test]
async fn a_run_finished_during_an_outage_is_exported_once_when_datadog_is_back() {
    let datadog = datadog_emulator::spawn(datadog_emulator::EmulatorConfig::default())
        .await
        .expect("datadog-emulator");
    let base = datadog.base_url();
    let mut harness = Harness::start("datadog_outage", 0).await;
    let http = harness.http.clone();
    set_outage(&http, &base, true).await;
    harness
        .start_worker_with(
            "dd",
            WorkerOptions {
                datadog: Some(export_to(&base)),
                ..WorkerOptions::default()
            },
        )
        .await;
    let configs = r#"[{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "a"},
                      {"model": "gemini-2.5-flash-lite", "temperature": 0.4, "name_suffix": "b"}]"#;
    let (run, view) = harness
        .submit_and_wait(
            &request(configs, r#", "project_name": "tally-dd-test""#),
            Duration::from_secs(60),
        )
        .await;

    // Datadog is down: the run is final all the same, and its export waits.
    wait_for_failed_attempt(&harness, &run, Duration::from_secs(30)).await;
    let progress = harness.store.export_progress(&run).await.unwrap();
    assert_eq!(progress["state"], "pending");
    assert!(progress["last_error"].contains("503"), "{progress:?}");
    // The run's status and health say so.
    let api = harness.start_api().await;
    let status = api_json(&http, format!("{api}/api/v1/experiments/runs/{run}")).await;
    let export = &status["datadog_export"];
    assert_eq!(export["state"], "pending", "{export}");
    assert!(export["last_error"].as_str().unwrap().contains("503"));
    for experiment in export["experiments"].as_array().unwrap() {
        assert_eq!(experiment["exported"], 0, "{experiment}");
        assert_eq!(experiment["pending"], 10, "{experiment}");
        assert!(experiment["last_error"].as_str().unwrap().contains("503"));
    }
    let health = api_json(&http, format!("{api}/api/v1/experiments/health")).await;
    assert_eq!(
        health["datadog_last_export"]["succeeded"], false,
        "{health}"
    );
    assert_eq!(health["datadog_last_export"]["outcome"], "retrying");

    set_outage(&http, &base, false).await;
    wait_for_export(&harness, &run, Duration::from_secs(60)).await;
    assert_eq!(harness.store.outbox_len().await.unwrap(), 0);

    let progress = harness.store.export_progress(&run).await.unwrap();
    for experiment_id in &view.record.experiments {
        let stored = harness
            .store
            .experiment(experiment_id)
            .await
            .unwrap()
            .unwrap();
        let total = stored.record.total as usize;
        let datadog_id = &progress[&format!("exp:{experiment_id}")];
        let spans = harness_spans(&http, &base, datadog_id).await;
        let ids: HashSet<&str> = spans
            .iter()
            .map(|s| s["span"]["span_id"].as_str().unwrap())
            .collect();
        assert_eq!(spans.len(), total, "one span per record, none twice");
        assert_eq!(ids.len(), total);
        let events = get(
            &http,
            format!("{base}/api/unstable/llm-obs/v1/experiments/{datadog_id}/events?include[eval_metrics]=true"),
        )
        .await;
        let attributes = &events["data"]["attributes"];
        for span in attributes["spans"].as_array().unwrap() {
            assert!(
                !span["eval_metrics"].as_array().unwrap().is_empty(),
                "every span has its metrics: {span}"
            );
        }
        let summary: Vec<&str> = attributes["summary_metrics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["label"].as_str())
            .collect();
        assert!(summary.contains(&"overall_accuracy"), "{summary:?}");
        let listed = get(
            &http,
            format!("{base}/api/v2/llm-obs/v1/experiments?filter[id]={datadog_id}"),
        )
        .await;
        assert_eq!(listed["data"][0]["attributes"]["status"], "completed");
    }
    // The run's answer links to each experiment on the site's UI host; its export is
    // complete, and health says the last export succeeded.
    let status = api_json(&http, format!("{api}/api/v1/experiments/runs/{run}")).await;
    assert_eq!(status["datadog_export"]["state"], "exported");
    for experiment in status["datadog_export"]["experiments"].as_array().unwrap() {
        assert_eq!(experiment["exported"], 10, "{experiment}");
        assert_eq!(
            (&experiment["pending"], &experiment["failed"]),
            (&json!(0), &json!(0))
        );
        assert!(experiment["last_error"].is_null());
    }
    let health = api_json(&http, format!("{api}/api/v1/experiments/health")).await;
    assert_eq!(health["datadog_last_export"]["succeeded"], true, "{health}");
    for summary in status["result"]["experiments"].as_array().unwrap() {
        let id = &progress[&format!("exp:{}", summary["experiment_id"].as_str().unwrap())];
        assert_eq!(
            summary["datadog_experiment_url"],
            format!("https://app.datadoghq.com/llm/experiments/{id}")
        );
    }
    let comparison = status["result"]["datadog_comparison_url"].as_str().unwrap();
    assert!(
        comparison.starts_with(&format!(
            "https://app.datadoghq.com/llm/experiments?dataset={}",
            progress["dataset_id"]
        )),
        "{comparison}"
    );
    assert!(harness.keys_containing(API_KEY).await.is_empty());
    assert!(harness.keys_containing(APP_KEY).await.is_empty());
    harness.cleanup().await;
}

async fn api_json(http: &reqwest::Client, url: String) -> Value {
    http.get(url)
        .header("X-API-Key", crate::harness::API_KEY)
        .send()
        .await
        .expect("API answers")
        .json()
        .await
        .expect("json")
}

/// Waits until an export attempt of `run` has failed (while Datadog is down).
pub async fn wait_for_failed_attempt(harness: &Harness, run: &RunId, within: Duration) {
    poll("a failed export attempt", within, || async {
        let progress = harness.store.export_progress(run).await.unwrap();
        progress.get("attempts").is_some_and(|a| a != "0")
    })
    .await;
}

/// Waits until `run` is exported.
pub async fn wait_for_export(harness: &Harness, run: &RunId, within: Duration) {
    poll("the export", within, || async {
        let progress = harness.store.export_progress(run).await.unwrap();
        progress.get("state").is_some_and(|s| s == "exported")
    })
    .await;
}

/// The spans datadog-emulator holds for the Datadog experiment `experiment`.
pub async fn harness_spans(http: &reqwest::Client, base: &str, experiment: &str) -> Vec<Value> {
    let answer: Value = http
        .get(format!("{base}/_emulator/spans?experiment_id={experiment}"))
        .send()
        .await
        .expect("emulator answers")
        .json()
        .await
        .expect("json");
    answer["spans"].as_array().cloned().unwrap_or_default()
}
