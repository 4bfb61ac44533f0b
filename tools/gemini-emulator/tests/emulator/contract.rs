//! The client against the emulator, one test per row of the wire reference's error
//! table: the classification, the number of attempts, the server's delay honoured,
//! fail-fast cases sending exactly one request.

use std::time::Duration;

use serde_json::{Value, json};
use tally_gemini::{FailureKind, GenerationSettings, ModelFailure};

use crate::support::*;

const MODEL: &str = "gemini-2.5-flash";

struct Setup {
    _dir: tempfile::TempDir,
    emulator: gemini_emulator::RunningEmulator,
    inspect: Inspect,
    pages: Vec<tally_gemini::Page>,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let records = write_dataset(dir.path(), 1).unwrap();
    let mut config = test_config();
    config.datasets = Some(dir.path().to_path_buf());
    // The answer itself must not be the variable here.
    for profile in config.models.values_mut() {
        profile.errors = Default::default();
    }
    let emulator = start(config).await;
    let inspect = Inspect::new(&emulator);
    let pages = pages(dir.path(), &records[0]);
    Setup {
        _dir: dir,
        emulator,
        inspect,
        pages,
    }
}

async fn fails(setup: &Setup, settings: &GenerationSettings) -> ModelFailure {
    client(&setup.emulator)
        .extract(&setup.pages, settings)
        .await
        .expect_err("the call fails")
}

/// Milliseconds between the first two logged requests.
async fn gap_ms(inspect: &Inspect) -> f64 {
    let logged = inspect.logged().await;
    assert!(
        logged.len() >= 2,
        "expected a retry, got {} requests",
        logged.len()
    );
    logged[1]["at_ms"].as_f64().unwrap() - logged[0]["at_ms"].as_f64().unwrap()
}

#[tokio::test]
async fn a_good_call_returns_the_reports_usage_and_cost() {
    let s = setup().await;
    let extraction = client(&s.emulator)
        .extract(&s.pages, &settings(MODEL))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&extraction.reports).unwrap(),
        expected_reports(0)
    );
    assert_eq!(extraction.attempts, 1);
    assert_eq!(extraction.answer.finish_reason.as_deref(), Some("STOP"));
    assert_eq!(
        extraction.answer.model_version.as_deref(),
        Some("gemini-2.5-flash")
    );
    let usage = extraction.answer.usage;
    assert!(usage.prompt_tokens >= 2 * 258, "{usage:?}");
    assert!(
        usage.candidates_tokens > 0 && usage.thoughts_tokens > 0,
        "{usage:?}"
    );
    assert!(extraction.answer.cost_usd.unwrap() > 0.0);
}

#[tokio::test]
async fn every_generation_setting_reaches_the_request() {
    let s = setup().await;
    let settings = GenerationSettings {
        model: MODEL.into(),
        temperature: 0.3,
        top_p: Some(0.9),
        top_k: Some(32),
        seed: Some(1234),
        max_output_tokens: 12000,
        thinking_budget: Some(2048),
        cache: Default::default(),
    };
    client(&s.emulator)
        .extract(&s.pages, &settings)
        .await
        .unwrap();
    let logged = s.inspect.logged().await;
    assert_eq!(logged[0]["model"], MODEL);
    let config = &logged[0]["body"]["generationConfig"];
    assert_eq!(config["temperature"], 0.3);
    assert_eq!(config["topP"], 0.9);
    assert_eq!(config["topK"], 32);
    assert_eq!(config["seed"], 1234);
    assert_eq!(config["maxOutputTokens"], 12000);
    assert_eq!(
        config["thinkingConfig"],
        json!({"thinkingBudget": 2048, "includeThoughts": false})
    );
    assert_eq!(config["responseMimeType"], "application/json");
    assert_eq!(
        config["responseSchema"],
        *tally_core::extraction::response_schema()
    );
    let parts = logged[0]["body"]["contents"][0]["parts"]
        .as_array()
        .unwrap();
    assert_eq!(parts[0]["text"], "Page 1 (Filename: unit000_page1.png)");
    assert!(
        parts[1]["inlineData"]["data"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"),
        "an image was sent"
    );
    assert_eq!(parts[2]["text"], "Page 2 (Filename: unit000_page2.png)");
}

#[tokio::test]
async fn rate_limit_waits_for_retry_info_then_succeeds() {
    let s = setup().await;
    s.inspect
        .faults(json!([{"fault": "rate_limit", "retry_delay_ms": 400}]))
        .await;
    let extraction = client(&s.emulator)
        .extract(&s.pages, &settings(MODEL))
        .await
        .unwrap();
    assert_eq!(extraction.attempts, 2);
    let gap = gap_ms(&s.inspect).await;
    assert!(
        gap >= 400.0,
        "retried after {gap} ms, before the server's 0.4 s"
    );
}

#[tokio::test]
async fn retry_after_is_preferred_over_backoff() {
    let s = setup().await;
    s.inspect
        .faults(json!([{"fault": "unavailable", "retry_after_secs": 1}]))
        .await;
    let extraction = client(&s.emulator)
        .extract(&s.pages, &settings(MODEL))
        .await
        .unwrap();
    assert_eq!(extraction.attempts, 2);
    // The client's own backoff is at most 20 ms here.
    let gap = gap_ms(&s.inspect).await;
    assert!(
        gap >= 1000.0,
        "retried after {gap} ms, before Retry-After: 1"
    );
}

#[tokio::test]
async fn the_real_quota_429_is_retried_after_its_window() {
    let s = setup().await;
    s.inspect
        .patch_settings(json!({"quota_window_ms": 500, "models": {MODEL: {"rpm": 1}}}))
        .await;
    let client = client(&s.emulator);
    client.extract(&s.pages, &settings(MODEL)).await.unwrap();
    let second = client.extract(&s.pages, &settings(MODEL)).await.unwrap();
    assert!(second.attempts >= 2, "the second call met the quota");
    let stats = s.inspect.get("/_emulator/stats").await;
    assert!(stats["models"][MODEL]["rate_limited"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn a_daily_quota_fails_fast() {
    let s = setup().await;
    s.inspect.faults(json!([{"fault": "daily_quota"}])).await;
    let failure = fails(&s, &settings(MODEL)).await;
    assert_eq!(
        (failure.kind, failure.attempts),
        (FailureKind::DailyQuotaExhausted, 1)
    );
    assert_eq!(s.inspect.requests_to(MODEL).await, 1);
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retried() {
    for fault in [
        "internal",
        "bad_gateway",
        "unavailable",
        "deadline_exceeded",
        "request_timeout",
        "reset",
    ] {
        let s = setup().await;
        s.inspect.faults(json!([{"fault": fault}])).await;
        let extraction = client(&s.emulator)
            .extract(&s.pages, &settings(MODEL))
            .await;
        let extraction = extraction.unwrap_or_else(|f| panic!("{fault}: {f}"));
        assert_eq!(extraction.attempts, 2, "{fault}");
        assert_eq!(s.inspect.requests_to(MODEL).await, 2, "{fault}");
    }
}

#[tokio::test]
async fn persistent_server_errors_stop_at_max_attempts() {
    let s = setup().await;
    s.inspect.faults(json!([{"fault": "unavailable"}, {"fault": "internal"}, {"fault": "bad_gateway"}, {"fault": "unavailable"}])).await;
    let failure = fails(&s, &settings(MODEL)).await;
    assert_eq!(
        (failure.kind, failure.attempts),
        (FailureKind::ServerError, 4)
    );
    assert!(
        failure.message.ends_with("(gave up after 4 attempts)"),
        "{}",
        failure.message
    );
    assert_eq!(s.inspect.requests_to(MODEL).await, 4);
}

#[tokio::test]
async fn a_hung_request_times_out_and_is_retried() {
    let s = setup().await;
    s.inspect.patch_settings(json!({"hang_ms": 5000})).await;
    s.inspect.faults(json!([{"fault": "timeout"}])).await;
    let client = client_with(&s.emulator, |c| {
        c.request_timeout = Duration::from_millis(300)
    });
    let extraction = client.extract(&s.pages, &settings(MODEL)).await.unwrap();
    assert_eq!(extraction.attempts, 2);
}

#[tokio::test]
async fn client_errors_fail_fast_with_one_request() {
    let cases: [(Value, FailureKind, &str); 3] = [
        (
            json!({"fault": "payment_required"}),
            FailureKind::PaymentRequired,
            "HTTP 402",
        ),
        (
            json!({"fault": "permission_denied"}),
            FailureKind::PermissionDenied,
            "HTTP 403 PERMISSION_DENIED",
        ),
        (
            json!({"fault": "blocked_prompt"}),
            FailureKind::PromptBlocked,
            "the prompt was blocked (OTHER)",
        ),
    ];
    for (fault, kind, message) in cases {
        let s = setup().await;
        s.inspect.faults(json!([fault])).await;
        let failure = fails(&s, &settings(MODEL)).await;
        assert_eq!((failure.kind, failure.attempts), (kind, 1), "{fault}");
        assert!(failure.message.contains(message), "{}", failure.message);
        assert_eq!(s.inspect.requests_to(MODEL).await, 1, "{fault}");
    }
}

#[tokio::test]
async fn an_invalid_argument_fails_fast() {
    let s = setup().await;
    let failure = fails(
        &s,
        &GenerationSettings {
            temperature: 3.0,
            ..settings(MODEL)
        },
    )
    .await;
    assert_eq!(
        (failure.kind, failure.attempts),
        (FailureKind::InvalidRequest, 1)
    );
    assert!(failure.message.contains("HTTP 400 INVALID_ARGUMENT: Unable to submit request because it has a temperature value of 3"), "{}", failure.message);
    assert_eq!(s.inspect.requests_to(MODEL).await, 1);
}

#[tokio::test]
async fn a_wrong_api_key_fails_fast_and_is_never_echoed() {
    let s = setup().await;
    let client = client_with(&s.emulator, |c| {
        c.backend = tally_gemini::Backend::Developer {
            api_key: tally_gemini::Secret::new("AIza-wrong-key"),
        };
    });
    let failure = client
        .extract(&s.pages, &settings(MODEL))
        .await
        .unwrap_err();
    assert_eq!(
        (failure.kind, failure.attempts),
        (FailureKind::Unauthenticated, 1)
    );
    assert!(
        failure.message.contains("API key not valid"),
        "{}",
        failure.message
    );
    assert!(!format!("{failure:?}").contains("AIza-wrong-key"));
}

#[tokio::test]
async fn a_retired_model_is_not_found_at_once() {
    let s = setup().await;
    let failure = fails(&s, &settings("gemini-1.5-flash")).await;
    assert_eq!((failure.kind, failure.attempts), (FailureKind::NotFound, 1));
    assert!(
        failure
            .message
            .starts_with("model gemini-1.5-flash not found"),
        "{}",
        failure.message
    );
    assert_eq!(s.inspect.requests_to("gemini-1.5-flash").await, 1);
}

#[tokio::test]
async fn unusable_answers_are_distinct_outcomes_with_their_tokens() {
    let cases = [
        ("max_tokens", FailureKind::MaxTokens),
        ("malformed_json", FailureKind::UnparsableAnswer),
        ("safety", FailureKind::AnswerBlocked),
    ];
    for (fault, kind) in cases {
        let s = setup().await;
        s.inspect.faults(json!([{"fault": fault}])).await;
        let failure = fails(&s, &settings(MODEL)).await;
        assert_eq!(
            (failure.kind, failure.attempts),
            (kind, 1),
            "{fault}: {}",
            failure.message
        );
        let answer = failure.answer.expect("the answer is kept");
        assert!(
            answer.usage.prompt_tokens > 0 && answer.cost_usd.is_some(),
            "{fault}"
        );
    }
}

#[tokio::test]
async fn a_small_output_limit_is_spent_on_thinking() {
    let s = setup().await;
    let settings = GenerationSettings {
        max_output_tokens: 100,
        ..settings(MODEL)
    };
    let failure = fails(&s, &settings).await;
    assert_eq!(failure.kind, FailureKind::MaxTokens);
    assert!(
        failure
            .message
            .starts_with("no answer: the output limit was reached after 100 thinking tokens"),
        "{}",
        failure.message
    );
}
