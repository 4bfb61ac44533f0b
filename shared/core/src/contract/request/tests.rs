//! The request example of the HTTP contract, its defaults, and what storage keeps.

use serde_json::{Value, json};

use super::*;

/// A request as the old service's clients send it, with every field of `api.md`'s
/// table and every extension.
const FULL_REQUEST: &str = r#"{
    "ml_app": "vote-extractor-nightly",
    "api_key": "dd-api-key-0123456789abcdef",
    "app_key": "dd-app-key-0123456789abcdef",
    "site": "datadoghq.eu",
    "agentless_enabled": false,
    "project_name": "vote-extraction-project",
    "dataset_name": "vote-extraction-bangbamru-1-10",
    "dataset_version": 2,
    "model_configs": [
        {
            "model": "gemini-2.5-flash",
            "temperature": 0.0,
            "name_suffix": "baseline",
            "metadata": {"preset": "Baseline Comparison", "round": 1},
            "thinking_budget": -1,
            "max_output_tokens": 16384,
            "top_p": 0.95,
            "top_k": 40,
            "seed": 7
        },
        {
            "model": "gemini-2.5-flash-lite",
            "temperature": 0.7,
            "name_suffix": null,
            "metadata": {},
            "thinking_budget": 0,
            "max_output_tokens": 8192,
            "top_p": null,
            "top_k": null,
            "seed": null,
            "trials": 5
        }
    ],
    "sample_size": 5,
    "jobs": 4,
    "raise_errors": false,
    "trials": 3
}"#;

fn full_request() -> ExperimentRequest {
    ExperimentRequest::from_json_bytes(FULL_REQUEST.as_bytes()).unwrap()
}

#[test]
fn the_full_example_parses_into_its_values() {
    let request = full_request();
    assert_eq!(request.ml_app.as_str(), "vote-extractor-nightly");
    assert_eq!(
        request.api_key.as_ref().unwrap().expose(),
        "dd-api-key-0123456789abcdef"
    );
    assert_eq!(request.site, DatadogSite::parse("datadoghq.eu").unwrap());
    assert!(!request.agentless_enabled);
    assert_eq!(
        request.dataset_name.as_str(),
        "vote-extraction-bangbamru-1-10"
    );
    assert_eq!(request.dataset_version.unwrap().get(), 2);
    assert_eq!(request.sample_size.unwrap().get(), 5);
    assert_eq!(request.jobs.get(), 4);
    assert!(!request.raise_errors);

    let [baseline, lite] = request.model_configs.as_slice() else {
        panic!("expected two model configurations");
    };
    assert_eq!(baseline.model.as_str(), "gemini-2.5-flash");
    assert_eq!(baseline.temperature.get(), 0.0);
    assert_eq!(baseline.name_suffix.as_ref().unwrap().as_str(), "baseline");
    assert_eq!(
        baseline.metadata.entries()["preset"],
        json!("Baseline Comparison")
    );
    assert!(baseline.thinking_budget.unwrap().is_dynamic());
    assert_eq!(baseline.top_p.unwrap().get(), 0.95);
    assert_eq!(baseline.top_k.unwrap().get(), 40);
    assert_eq!(baseline.seed.unwrap().get(), 7);
    assert_eq!(baseline.experiment_name(), "vote-extraction-baseline");
    assert_eq!(
        lite.experiment_name(),
        "vote-extraction-gemini-2.5-flash-lite-t0.7"
    );
    assert_eq!(lite.max_output_tokens.get(), 8192);
    assert!(lite.thinking_budget.unwrap().is_off());
    assert_eq!((lite.top_p, lite.top_k, lite.seed), (None, None, None));
    assert_eq!(request.trials.get(), 3);
    assert_eq!(baseline.trials(request.trials).get(), 3);
    assert_eq!(lite.trials(request.trials).get(), 5);
}

#[test]
fn serializing_keeps_every_field_name_and_value_but_the_keys() {
    let mut expected: Value = serde_json::from_str(FULL_REQUEST).unwrap();
    expected.as_object_mut().unwrap().remove("api_key");
    expected.as_object_mut().unwrap().remove("app_key");

    let stored = serde_json::to_string(&full_request()).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), expected);
    assert!(!stored.contains("api_key"));
    assert!(!stored.contains("dd-api-key"));
    assert!(!stored.contains("app_key") && !stored.contains("dd-app-key"));
}

#[test]
fn a_stored_request_reads_back_without_its_key() {
    let request = full_request();
    let stored = serde_json::to_vec(&request).unwrap();

    let read_back = ExperimentRequest::from_json_bytes(&stored).unwrap();
    assert_eq!(read_back.api_key, None);
    assert_eq!(
        read_back,
        ExperimentRequest {
            api_key: None,
            app_key: None,
            ..request.clone()
        }
    );
    // The Deserialize impls take the same path.
    let deserialized: ExperimentRequest = serde_json::from_slice(&stored).unwrap();
    assert_eq!(deserialized, read_back);
    let from_value: ExperimentRequest =
        serde_json::from_value(serde_json::to_value(&request).unwrap()).unwrap();
    assert_eq!(from_value, read_back);
}

#[test]
fn the_secret_never_shows_in_debug_or_display_output() {
    let request = full_request();
    let debug = format!("{request:?}");
    assert!(!debug.contains("dd-api-key"), "{debug}");
    assert!(debug.contains("api_key: Some([redacted])"));
    let error = serde_json::from_str::<ExperimentRequest>(
        r#"{"api_key": "dd-api-key-0123456789abcdef", "dataset_name": "x/y"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(!error.contains("dd-api-key"), "{error}");
}

#[test]
fn absent_fields_take_the_contract_defaults() {
    let request = ExperimentRequest::from_json_bytes(
        br#"{"dataset_name": "ds", "model_configs": [{"model": "gemini-2.5-flash", "temperature": 1}]}"#,
    )
    .unwrap();
    assert_eq!(request.ml_app.as_str(), "vote-extractor");
    assert_eq!(request.api_key, None);
    assert_eq!(request.site.as_str(), "datadoghq.com");
    assert!(request.agentless_enabled);
    assert_eq!(request.project_name.as_str(), "vote-extraction-project");
    assert_eq!(request.dataset_version, None);
    assert_eq!(request.sample_size, None);
    assert_eq!(request.jobs.get(), 2);
    assert!(request.raise_errors);
    assert_eq!(request.trials.get(), 1);

    let config = &request.model_configs.as_slice()[0];
    assert_eq!(config.name_suffix, None);
    assert!(config.metadata.entries().is_empty());
    assert_eq!(config.thinking_budget, None);
    assert_eq!(config.max_output_tokens.get(), 16384);
    assert_eq!(
        (config.top_p, config.top_k, config.seed),
        (None, None, None)
    );
    assert_eq!(
        config.experiment_name(),
        "vote-extraction-gemini-2.5-flash-t1.0"
    );
}

#[test]
fn nullable_fields_treat_null_as_absent() {
    let request = ExperimentRequest::from_json_bytes(
        br#"{"dataset_name": "ds", "api_key": null, "dataset_version": null, "sample_size": null,
             "model_configs": [{"model": "m", "temperature": 0, "name_suffix": null}]}"#,
    )
    .unwrap();
    assert_eq!(request.api_key, None);
    assert_eq!(request.dataset_version, None);
    assert_eq!(request.sample_size, None);
    assert_eq!(request.model_configs.as_slice()[0].name_suffix, None);
}

#[test]
fn the_default_labels_pass_their_own_rule() {
    for default in [DEFAULT_ML_APP, DEFAULT_PROJECT_NAME] {
        assert_eq!(Label::parse(default).unwrap(), Label::from_known(default));
    }
}

#[test]
fn a_model_config_alone_deserializes_with_relative_paths() {
    let config: ModelConfig =
        serde_json::from_str(r#"{"model": "gemini-2.5-flash", "temperature": 0.2}"#).unwrap();
    assert_eq!(config.temperature.to_string(), "0.2");
    let error = serde_json::from_str::<ModelConfig>(r#"{"model": "a b", "temperature": 9}"#)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "model: may only contain ASCII letters, digits, '-', '.' and '_' (found ' '), \
         got \"a b\"; temperature: must be between 0.0 and 2.0, got 9"
    );
}
