//! The client against datadog-emulator: what it sends is what a strict Datadog
//! accepts, and what it reads back is what the emulator answered.

use datadog_emulator::EmulatorConfig;
use serde_json::{Value, json};
use tally_core::contract::Secret;
use tally_datadog::{Credentials, DatadogClient, DatadogError, NewExperiment, NewRecord, Origin};

fn credentials(api: &str) -> Credentials {
    Credentials {
        api_key: Secret::new(api),
        app_key: Secret::new("emulator-app-key"),
    }
}

async fn emulator_json(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}{path}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

#[tokio::test]
async fn a_whole_experiment_goes_through_and_reads_back() {
    let emulator = datadog_emulator::spawn(EmulatorConfig::default())
        .await
        .unwrap();
    let base = emulator.base_url();
    let client =
        DatadogClient::new(Origin::overridden(&base), credentials("emulator-api-key")).unwrap();

    let project = client.project("tally-test").await.unwrap();
    assert_eq!(
        client.project("tally-test").await.unwrap(),
        project,
        "create-or-get"
    );
    let dataset = client
        .dataset(&project, "forms", "two forms")
        .await
        .unwrap();
    let records: Vec<NewRecord> = (0..2)
        .map(|i| NewRecord {
            id: format!("rec{i}"),
            input: json!({"images": [format!("{i}.png")]}),
            expected_output: json!({"reports": []}),
            metadata: json!({}),
        })
        .collect();
    let version = client
        .insert_records(&project, &dataset.id, &records, true)
        .await
        .unwrap();
    assert!(version >= 1, "a push opens a version, got {version}");

    let experiment = client
        .create_experiment(&NewExperiment {
            name: "forms-flash",
            description: "",
            project_id: &project,
            dataset_id: &dataset.id,
            dataset_version: version,
            config: json!({"model": "gemini-2.5-flash", "temperature": 0.0}),
            tags: vec!["model:gemini-2.5-flash".into()],
        })
        .await
        .unwrap();
    client
        .set_status(&experiment, "running", None)
        .await
        .unwrap();
    let now_ms = now_ns() / 1_000_000;
    let span = json!({"span_id": "1", "trace_id": "t1", "project_id": project,
        "dataset_id": dataset.id, "name": "extract", "start_ns": now_ns(), "duration": 5,
        "status": "ok", "meta": {"input": {}, "output": {}, "expected_output": {}, "metadata": {}},
        "tags": [format!("experiment_id:{experiment}")]});
    let metric = json!({"span_id": "1", "trace_id": "t1", "timestamp_ms": now_ms,
        "metric_type": "score", "label": "accuracy", "score_value": 0.5,
        "metric_source": "custom", "status": "OK"});
    client
        .post_events(&experiment, &[span], &[metric], &["source:tally".into()])
        .await
        .unwrap();
    client
        .set_status(&experiment, "completed", None)
        .await
        .unwrap();

    let spans = emulator_json(
        &base,
        &format!("/_emulator/spans?experiment_id={experiment}"),
    )
    .await;
    assert_eq!(spans["spans"].as_array().unwrap().len(), 1);
    let metrics = emulator_json(
        &base,
        &format!("/_emulator/experiment-metrics?experiment_id={experiment}"),
    )
    .await;
    assert_eq!(metrics["metrics"][0]["metric"]["score_value"], 0.5);
}

#[tokio::test]
async fn errors_say_whether_a_retry_can_help_and_never_show_the_key() {
    let emulator = datadog_emulator::spawn(EmulatorConfig::default())
        .await
        .unwrap();
    let base = emulator.base_url();
    let wrong = DatadogClient::new(Origin::overridden(&base), credentials("not-a-key")).unwrap();
    let forbidden = wrong.project("p").await.unwrap_err();
    assert!(!forbidden.is_retryable(), "{forbidden}");
    assert!(!forbidden.to_string().contains("not-a-key"));

    reqwest::Client::new()
        .patch(format!("{base}/_emulator/faults"))
        .json(&json!({"outage": true}))
        .send()
        .await
        .unwrap();
    let client =
        DatadogClient::new(Origin::overridden(&base), credentials("emulator-api-key")).unwrap();
    let outage = client.project("p").await.unwrap_err();
    assert!(matches!(outage, DatadogError::Status { status: 503, .. }));
    assert!(outage.is_retryable());

    drop(emulator);
    let gone = client.project("p").await.unwrap_err();
    assert!(gone.is_retryable(), "{gone}");
}
