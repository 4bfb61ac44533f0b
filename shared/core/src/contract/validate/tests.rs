//! Every rule of the request contract, with the exact message a client sees.

use crate::contract::{ExperimentRequest, RequestError};

const KNOWN_REQUEST_FIELDS: &str = "ml_app, api_key, app_key, site, agentless_enabled, \
     project_name, dataset_name, dataset_version, model_configs, sample_size, jobs, raise_errors, \
     cache, trials, execution, on_daily_quota";
const KNOWN_CONFIG_FIELDS: &str = "model, temperature, name_suffix, metadata, thinking_budget, \
     max_output_tokens, top_p, top_k, seed, cache, trials, execution";

/// A valid request plus `extra` top-level fields.
fn top(extra: &str) -> String {
    format!(
        r#"{{"dataset_name": "ds", "model_configs": [{{"model": "gemini-2.5-flash", "temperature": 0}}], {extra}}}"#
    )
}

/// A valid request whose one model configuration also has `extra` fields.
fn config(extra: &str) -> String {
    format!(
        r#"{{"dataset_name": "ds", "model_configs": [{{"model": "gemini-2.5-flash", "temperature": 0, {extra}}}]}}"#
    )
}

/// A request whose one model configuration has exactly `fields`.
fn bare_config(fields: &str) -> String {
    format!(r#"{{"dataset_name": "ds", "model_configs": [{{{fields}}}]}}"#)
}

/// The warnings of a valid `body`, rendered as `path: message`.
fn warnings(body: &str) -> Vec<String> {
    match ExperimentRequest::from_json_bytes_with_warnings(body.as_bytes()) {
        Ok((_, warnings)) => warnings.iter().map(|w| w.to_string()).collect(),
        Err(error) => panic!("expected a valid request for {body}, got {error:?}"),
    }
}

fn violations(body: &str) -> Vec<String> {
    match ExperimentRequest::from_json_bytes(body.as_bytes()) {
        Err(RequestError::Invalid(errors)) => errors.iter().map(|e| e.to_string()).collect(),
        other => panic!("expected field violations for {body}, got {other:?}"),
    }
}

#[test]
fn each_rule_of_each_field_is_reported_exactly() {
    let sites = "datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5.datadoghq.com, \
                 ap1.datadoghq.com, ddog-gov.com";
    let many_configs = format!(
        r#"{{"dataset_name": "ds", "model_configs": [{}]}}"#,
        vec![r#"{"model": "m", "temperature": 1}"#; 51].join(", ")
    );
    let cases: Vec<(String, String)> = vec![
        // ml_app, project_name: non-blank text.
        (top(r#""ml_app": 5"#), "ml_app: must be a string, got a number 5".into()),
        (top(r#""ml_app": """#), r#"ml_app: must not be empty, got """#.into()),
        (top(r#""ml_app": null"#), "ml_app: must be a string, got null".into()),
        (top(r#""project_name": "  ""#), r#"project_name: must not be blank, got "  ""#.into()),
        (
            top(r#""project_name": "a\u0007b""#),
            r#"project_name: must not contain control or bidirectional-control characters (found '\u{7}'), got "a\u0007b""#
                .into(),
        ),
        // cache: one of four modes, at the request and in a configuration.
        (
            top(r#""cache": "on""#),
            r#"cache: must be one of off, read_write, read, refresh, got "on""#.into(),
        ),
        (
            config(r#""cache": true"#),
            "model_configs[0].cache: must be a string or null, got a boolean true".into(),
        ),
        // trials: 1 to 20, at the request and in a configuration.
        (top(r#""trials": 0"#), "trials: must be between 1 and 20, got 0".into()),
        (top(r#""trials": 21"#), "trials: must be between 1 and 20, got 21".into()),
        (top(r#""trials": null"#), "trials: must be a whole number, got null".into()),
        (
            config(r#""trials": 2.5"#),
            "model_configs[0].trials: must be a whole number or null, got 2.5".into(),
        ),
        (
            config(r#""trials": 40"#),
            "model_configs[0].trials: must be between 1 and 20, got 40".into(),
        ),
        // execution: online or batch, at the request and in a configuration.
        (
            top(r#""execution": "async""#),
            r#"execution: must be one of online, batch, got "async""#.into(),
        ),
        (
            config(r#""execution": 1"#),
            "model_configs[0].execution: must be a string or null, got a number 1".into(),
        ),
        // on_daily_quota: wait or fail.
        (
            top(r#""on_daily_quota": "stop""#),
            r#"on_daily_quota: must be one of wait, fail, got "stop""#.into(),
        ),
        (
            top(r#""on_daily_quota": null"#),
            "on_daily_quota: must be a string, got null".into(),
        ),
        // api_key: a string or null, never echoed.
        (top(r#""api_key": 12345"#), "api_key: must be a string or null, got a number".into()),
        (top(r#""api_key": """#), "api_key: must not be empty".into()),
        (top(r#""app_key": 1"#), "app_key: must be a string or null, got a number".into()),
        // site: one of six.
        (
            top(r#""site": "datadoghq.co""#),
            format!(r#"site: must be one of {sites}, got "datadoghq.co""#),
        ),
        // booleans.
        (
            top(r#""agentless_enabled": "true""#),
            r#"agentless_enabled: must be a boolean, got a string "true""#.into(),
        ),
        (top(r#""raise_errors": 1"#), "raise_errors: must be a boolean, got a number 1".into()),
        // dataset_name: required identifier.
        (
            r#"{"model_configs": [{"model": "m", "temperature": 0}]}"#.into(),
            "dataset_name: is required".into(),
        ),
        (
            r#"{"dataset_name": null, "model_configs": [{"model": "m", "temperature": 0}]}"#.into(),
            "dataset_name: must be a string, got null".into(),
        ),
        (
            r#"{"dataset_name": "../x", "model_configs": [{"model": "m", "temperature": 0}]}"#.into(),
            r#"dataset_name: may only contain ASCII letters, digits, '-', '.' and '_' (found '/'), got "../x""#
                .into(),
        ),
        // dataset_version: null or a whole number ≥ 1.
        (
            top(r#""dataset_version": 0"#),
            "dataset_version: must be between 1 and 4294967295, got 0".into(),
        ),
        (
            top(r#""dataset_version": "2""#),
            r#"dataset_version: must be a whole number or null, got a string "2""#.into(),
        ),
        (
            top(r#""dataset_version": 1.5"#),
            "dataset_version: must be a whole number or null, got 1.5".into(),
        ),
        // model_configs: a list of 1 to 50 objects.
        (r#"{"dataset_name": "ds"}"#.into(), "model_configs: is required".into()),
        (
            r#"{"dataset_name": "ds", "model_configs": []}"#.into(),
            "model_configs: must contain at least one model configuration, got []".into(),
        ),
        (
            r#"{"dataset_name": "ds", "model_configs": {"model": "m"}}"#.into(),
            "model_configs: must be a list of model configurations, got an object".into(),
        ),
        (
            r#"{"dataset_name": "ds", "model_configs": [1]}"#.into(),
            "model_configs[0]: must be an object, got a number 1".into(),
        ),
        (many_configs, "model_configs: must contain at most 50 model configurations, got 51".into()),
        // sample_size: null or 1 to 1,000,000.
        (top(r#""sample_size": 0"#), "sample_size: must be between 1 and 1000000, got 0".into()),
        (top(r#""sample_size": -3"#), "sample_size: must be between 1 and 1000000, got -3".into()),
        (
            top(r#""sample_size": 99999999999999999999999"#),
            "sample_size: must be between 1 and 1000000, got 99999999999999999999999".into(),
        ),
        // jobs: 1 to 1000.
        (top(r#""jobs": 0"#), "jobs: must be between 1 and 1000, got 0".into()),
        (top(r#""jobs": 1e400"#), "jobs: must be between 1 and 1000, got 1e400".into()),
        (top(r#""jobs": -1e400"#), "jobs: must be between 1 and 1000, got -1e400".into()),
        (top(r#""jobs": true"#), "jobs: must be a whole number, got a boolean true".into()),
        (top(r#""jobs": null"#), "jobs: must be a whole number, got null".into()),
        // Repeated fields (unknown ones are warnings: `unknown_fields_are_ignored_…`).
        (top(r#""jobs": 2, "jobs": 3"#), "jobs: is given more than once".into()),
        // model: a required id that fits a URL path.
        (bare_config(r#""temperature": 0"#), "model_configs[0].model: is required".into()),
        (
            bare_config(r#""model": "models/gemini-2.5-flash", "temperature": 0"#),
            r#"model_configs[0].model: may only contain ASCII letters, digits, '-', '.' and '_' (found '/'), got "models/gemini-2.5-flash""#
                .into(),
        ),
        (
            bare_config(r#""model": "gemini-2.5-flash:generateContent", "temperature": 0"#),
            r#"model_configs[0].model: may only contain ASCII letters, digits, '-', '.' and '_' (found ':'), got "gemini-2.5-flash:generateContent""#
                .into(),
        ),
        (
            bare_config(r#""model": "gemini 2.5", "temperature": 0"#),
            r#"model_configs[0].model: may only contain ASCII letters, digits, '-', '.' and '_' (found ' '), got "gemini 2.5""#
                .into(),
        ),
        (
            bare_config(r#""model": "", "temperature": 0"#),
            r#"model_configs[0].model: must not be empty, got """#.into(),
        ),
        (
            bare_config(r#""model": 7, "temperature": 0"#),
            "model_configs[0].model: must be a string, got a number 7".into(),
        ),
        // temperature: a required finite number from 0.0 to 2.0.
        (bare_config(r#""model": "m""#), "model_configs[0].temperature: is required".into()),
        (
            bare_config(r#""model": "m", "temperature": 3.5"#),
            "model_configs[0].temperature: must be between 0.0 and 2.0, got 3.5".into(),
        ),
        (
            bare_config(r#""model": "m", "temperature": -0.1"#),
            "model_configs[0].temperature: must be between 0.0 and 2.0, got -0.1".into(),
        ),
        (
            bare_config(r#""model": "m", "temperature": 1e400"#),
            "model_configs[0].temperature: must be between 0.0 and 2.0, got 1e400".into(),
        ),
        (
            bare_config(r#""model": "m", "temperature": "NaN""#),
            r#"model_configs[0].temperature: must be a number, got a string "NaN""#.into(),
        ),
        (
            bare_config(r#""model": "m", "temperature": "Infinity""#),
            r#"model_configs[0].temperature: must be a number, got a string "Infinity""#.into(),
        ),
        (
            bare_config(r#""model": "m", "temperature": "0.7""#),
            r#"model_configs[0].temperature: must be a number, got a string "0.7""#.into(),
        ),
        (
            bare_config(r#""model": "m", "temperature": null"#),
            "model_configs[0].temperature: must be a number, got null".into(),
        ),
        // name_suffix: null, "" (= null) or non-blank text.
        (
            config(r#""name_suffix": " ""#),
            r#"model_configs[0].name_suffix: must not be blank, got " ""#.into(),
        ),
        (
            config(r#""name_suffix": 5"#),
            "model_configs[0].name_suffix: must be a string or null, got a number 5".into(),
        ),
        // metadata: an object.
        (
            config(r#""metadata": []"#),
            "model_configs[0].metadata: must be an object, got an array".into(),
        ),
        (
            config(r#""metadata": null"#),
            "model_configs[0].metadata: must be an object, got null".into(),
        ),
        (
            config(r#""metadata": {"": 1}"#),
            r#"model_configs[0].metadata: keys must be 1 to 100 characters without control characters, got """#
                .into(),
        ),
        (
            config(r#""metadata": {"x": 1e400}"#),
            "model_configs[0].metadata.x: cannot be read (number out of range), got 1e400".into(),
        ),
        (
            config(r#""metadata": {"x": 1, "x": 2}"#),
            "model_configs[0].metadata.x: is given more than once".into(),
        ),
        // Extensions.
        (
            config(r#""thinking_budget": -2"#),
            "model_configs[0].thinking_budget: must be -1 (dynamic), 0 (off) or between 1 and 32768, got -2"
                .into(),
        ),
        (
            config(r#""thinking_budget": 40000"#),
            "model_configs[0].thinking_budget: must be -1 (dynamic), 0 (off) or between 1 and 32768, got 40000"
                .into(),
        ),
        (
            config(r#""max_output_tokens": 0"#),
            "model_configs[0].max_output_tokens: must be between 1 and 65536, got 0".into(),
        ),
        (
            config(r#""max_output_tokens": null"#),
            "model_configs[0].max_output_tokens: must be a whole number, got null".into(),
        ),
        (
            config(r#""top_p": 1.5"#),
            "model_configs[0].top_p: must be between 0.0 and 1.0, got 1.5".into(),
        ),
        (
            config(r#""top_k": 0"#),
            "model_configs[0].top_k: must be between 1 and 2147483647, got 0".into(),
        ),
        (
            config(r#""top_k": 40.5"#),
            "model_configs[0].top_k: must be a whole number or null, got 40.5".into(),
        ),
        (
            config(r#""seed": 2147483648"#),
            "model_configs[0].seed: must be between -2147483648 and 2147483647, got 2147483648"
                .into(),
        ),
        (
            config(r#""seed": -1e10"#),
            "model_configs[0].seed: must be between -2147483648 and 2147483647, got -1e10".into(),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(violations(&body), vec![expected], "body: {body}");
    }
}

#[test]
fn bodies_that_are_not_a_json_object_are_malformed() {
    let cases: [(&[u8], &str); 11] = [
        (b"", "request body is empty; expected a JSON object"),
        (b" \n", "request body is empty; expected a JSON object"),
        (
            b"\xff\xfe",
            "request body is not valid UTF-8: invalid utf-8 sequence of 1 bytes from index 0",
        ),
        (
            b"{\"dataset_name\": \"\xe0\xb8\"}",
            "request body is not valid UTF-8: invalid utf-8 sequence of 2 bytes from index 18",
        ),
        (
            b"{\"dataset_name\": ",
            "request body is not valid JSON: EOF while parsing a value at line 1 column 17",
        ),
        (
            b"NaN",
            "request body is not valid JSON: expected value at line 1 column 1",
        ),
        (
            b"{\"jobs\": NaN}",
            "request body is not valid JSON: expected value at line 1 column 10",
        ),
        (
            b"{} x",
            "request body is not valid JSON: trailing characters at line 1 column 4",
        ),
        (b"[]", "request body must be a JSON object, got an array"),
        (
            b"\"{}\"",
            "request body must be a JSON object, got a string",
        ),
        (b"null", "request body must be a JSON object, got null"),
    ];
    for (body, expected) in cases {
        let error = ExperimentRequest::from_json_bytes(body).unwrap_err();
        assert_eq!(
            error,
            RequestError::Malformed(expected.to_string()),
            "{body:?}"
        );
        assert_eq!(error.code(), "malformed_body");
    }
}

#[test]
fn every_violation_is_reported_at_once_in_field_order() {
    let body = r#"{
        "bogus": 1,
        "jobs": 0,
        "model_configs": [
            {"model": "gemini-2.5-flash", "temperature": 0.5},
            {"model": "a/b", "temperature": 3.5, "top_k": 0, "extra": true},
            "not a config"
        ],
        "sample_size": 0,
        "site": "datadoghq.org"
    }"#;
    assert_eq!(
        violations(body),
        vec![
            r#"site: must be one of datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com, ddog-gov.com, got "datadoghq.org""#.to_string(),
            "dataset_name: is required".to_string(),
            r#"model_configs[1].model: may only contain ASCII letters, digits, '-', '.' and '_' (found '/'), got "a/b""#.to_string(),
            "model_configs[1].temperature: must be between 0.0 and 2.0, got 3.5".to_string(),
            "model_configs[1].top_k: must be between 1 and 2147483647, got 0".to_string(),
            r#"model_configs[2]: must be an object, got a string "not a config""#.to_string(),
            "sample_size: must be between 1 and 1000000, got 0".to_string(),
            "jobs: must be between 1 and 1000, got 0".to_string(),
        ]
    );
}

#[test]
fn whole_numbers_may_be_written_as_integral_floats() {
    let request = ExperimentRequest::from_json_bytes(
        config(
            r#""top_k": 40.0, "seed": -5, "thinking_budget": 0e0, "max_output_tokens": 8.192e3"#,
        )
        .as_bytes(),
    )
    .unwrap();
    let config = &request.model_configs.as_slice()[0];
    assert_eq!(config.top_k.unwrap().get(), 40);
    assert_eq!(config.seed.unwrap().get(), -5);
    assert!(config.thinking_budget.unwrap().is_off());
    assert_eq!(config.max_output_tokens.get(), 8192);

    let request = ExperimentRequest::from_json_bytes(top(r#""jobs": 1E3"#).as_bytes()).unwrap();
    assert_eq!(request.jobs.get(), 1000);
    let request = ExperimentRequest::from_json_bytes(
        br#"{"dataset_name": "ds", "trials": 3, "model_configs": [
            {"model": "gemini-2.5-flash", "temperature": 0},
            {"model": "gemini-2.5-flash", "temperature": 1, "trials": 5}]}"#,
    )
    .unwrap();
    let trials: Vec<u32> = request
        .model_configs
        .iter()
        .map(|config| config.trials(request.trials).get())
        .collect();
    assert_eq!(trials, [3, 5]);
    assert_eq!(request.results_per_record(), 8);
}

#[test]
fn long_offending_values_are_shortened() {
    let long = "x".repeat(500);
    let body = bare_config(&format!(r#""model": "{long}/", "temperature": 0"#));
    let shown = format!("\"{}… (503 characters)", "x".repeat(59));
    assert_eq!(
        violations(&body),
        vec![format!(
            "model_configs[0].model: must be at most 128 characters, got {shown}"
        )]
    );
}

#[test]
fn a_wrong_api_key_is_never_echoed() {
    for value in [
        r#"{"key": "dd-secret-1"}"#,
        r#"["dd-secret-1"]"#,
        "987654321",
    ] {
        let errors = violations(&top(&format!(r#""api_key": {value}"#)));
        assert_eq!(errors.len(), 1);
        assert!(
            !errors[0].contains("secret") && !errors[0].contains("987"),
            "{}",
            errors[0]
        );
    }
}

#[test]
fn thousands_of_violations_get_a_bounded_answer() {
    let bad: Vec<String> = (0..5000)
        .map(|i| format!(r#"{{"model": "m{i}", "temperature": 9}}"#))
        .collect();
    let body = format!(
        r#"{{"dataset_name": "ds", "model_configs": [{}]}}"#,
        bad.join(", ")
    );
    let errors = violations(&body);
    assert_eq!(errors.len(), 101);
    assert_eq!(
        errors[0],
        "model_configs: must contain at most 50 model configurations, got 5000"
    );
    assert!(errors[1].starts_with("model_configs[0].temperature: must be between"));
    assert_eq!(errors[100], "and 4901 more violations");

    let unknown: Vec<String> = (0..5000).map(|i| format!(r#""f{i}": 1"#)).collect();
    let ignored = warnings(&top(&unknown.join(", ")));
    assert_eq!(ignored.len(), 101);
    assert!(ignored[0].starts_with("f0: unknown field"));
    assert!(ignored[99].starts_with("f99: unknown field"));
    assert_eq!(ignored[100], "and 4900 more unknown fields");
}

#[test]
fn unknown_fields_are_ignored_at_every_depth_and_named_by_their_path() {
    let body = r#"{
        "bogus": 1,
        "dataset_name": "ds",
        "a b": {"nested": true},
        "model_configs": [
            {"model": "gemini-2.5-flash", "temperature": 0.5, "temprature": 0.7},
            {"model": "gemini-2.5-flash-lite", "temperature": 0, "extra": [1], "metadata": {"free": 1}}
        ]
    }"#;
    let (request, _) = ExperimentRequest::from_json_bytes_with_warnings(body.as_bytes()).unwrap();
    assert_eq!(request.model_configs.as_slice()[0].temperature.get(), 0.5);
    assert_eq!(
        warnings(body),
        vec![
            format!(
                "model_configs[0].temprature: unknown field (expected one of: {KNOWN_CONFIG_FIELDS})"
            ),
            format!(
                "model_configs[1].extra: unknown field (expected one of: {KNOWN_CONFIG_FIELDS})"
            ),
            format!("bogus: unknown field (expected one of: {KNOWN_REQUEST_FIELDS})"),
            format!(r#"["a b"]: unknown field (expected one of: {KNOWN_REQUEST_FIELDS})"#),
        ]
    );
    // Metadata keys are free-form, and a body without unknown fields has no warning.
    assert!(warnings(&config(r#""metadata": {"anything": 1}"#)).is_empty());
    // An unknown field never hides a violation.
    assert_eq!(
        violations(&top(r#""bogus": 1, "jobs": 0"#)),
        vec!["jobs: must be between 1 and 1000, got 0".to_string()]
    );
}

#[test]
fn an_empty_name_suffix_is_no_suffix() {
    let request =
        ExperimentRequest::from_json_bytes(config(r#""name_suffix": """#).as_bytes()).unwrap();
    let config = &request.model_configs.as_slice()[0];
    assert_eq!(config.name_suffix, None);
    assert_eq!(
        config.experiment_name(),
        "vote-extraction-gemini-2.5-flash-t0.0"
    );
}

#[test]
fn two_configurations_naming_the_same_experiment_are_refused() {
    let body = r#"{"dataset_name": "ds", "model_configs": [
        {"model": "gemini-2.5-flash", "temperature": 0, "name_suffix": "a"},
        {"model": "gemini-2.5-flash-lite", "temperature": 0, "name_suffix": "a"},
        {"model": "gemini-2.5-flash", "temperature": 0},
        {"model": "gemini-2.5-flash", "temperature": 0.0}]}"#;
    assert_eq!(
        violations(body),
        vec![
            "model_configs[1].name_suffix: the experiment name \"vote-extraction-a\" is already used by model_configs[0]; give each configuration its own name_suffix".to_string(),
            "model_configs[3].name_suffix: the experiment name \"vote-extraction-gemini-2.5-flash-t0.0\" is already used by model_configs[2]; give each configuration its own name_suffix".to_string(),
        ]
    );
}
