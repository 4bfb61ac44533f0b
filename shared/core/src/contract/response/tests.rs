//! The response example of the HTTP contract, old-style and with our additions.

use serde_json::{Value, json};

use super::*;

/// A response as the old service wrote it: only the fields of `api.md`.
fn old_style_response() -> Value {
    json!({
        "status": "partial",
        "message": "1 of 2 experiments succeeded",
        "total_experiments": 2,
        "successful_experiments": 1,
        "failed_experiments": 1,
        "experiments": [
            {
                "experiment_id": "exp-1",
                "experiment_name": "vote-extraction-baseline",
                "experiment_url": "https://tally.example/experiments/exp-1",
                "model": "gemini-2.5-flash",
                "temperature": 0.0,
                "status": "success",
                "total_records": 10,
                "successful_records": 9,
                "failed_records": 1,
                "overall_accuracy": 0.84,
                "success_rate": 0.9,
                "avg_ballot_accuracy": 0.85
            },
            {
                "experiment_id": "exp-2",
                "experiment_name": "vote-extraction-gemini-2.5-flash-lite-t0.7",
                "experiment_url": "https://tally.example/experiments/exp-2",
                "model": "gemini-2.5-flash-lite",
                "temperature": 0.7,
                "status": "failed",
                "total_records": 10,
                "successful_records": 0,
                "failed_records": 10,
                "overall_accuracy": 0.0,
                "success_rate": 0.0,
                "avg_ballot_accuracy": 0.0
            }
        ],
        "dataset_name": "vote-extraction-bangbamru-1-10",
        "dataset_size": 10,
        "project_name": "vote-extraction-project",
        "comparison_url": "https://tally.example/compare?ids=exp-1,exp-2",
        "dataset_id": null
    })
}

/// Our additions to one summary, filled in.
fn summary_additions() -> Value {
    json!({
        "avg_vote_results_quality": 0.8,
        "exact_form_match_rate": 0.7,
        "consistency_pass_rates": {"ballots_add_up": 1.0, "votes_sum_to_good_ballots": 0.9},
        "latency_ms": {"p50": 1450.0, "p95": 3920.5},
        "tokens": {"prompt": 12900, "output": 2100, "thinking": 8500, "cached": 5160},
        "cache_hit_share": 0.4,
        "cost_usd": 0.0291,
        "retries": 3,
        "errors_by_kind": {"rate_limited": 1},
        "emulated": true,
        "error": null,
        "datadog_experiment_url": null
    })
}

#[test]
fn an_old_style_response_parses_with_our_additions_defaulted() {
    let response: ExperimentResponse = serde_json::from_value(old_style_response()).unwrap();
    assert_eq!(response.status, ResponseStatus::Partial);
    assert_eq!(response.datadog_comparison_url, None);
    let summary = &response.experiments[0];
    assert_eq!(summary.status, ExperimentStatus::Success);
    assert_eq!(summary.avg_vote_results_quality, None);
    assert_eq!(summary.exact_form_match_rate, None);
    assert!(summary.consistency_pass_rates.is_empty());
    assert_eq!(summary.latency_ms, None);
    assert_eq!(summary.tokens, TokenUsage::default());
    assert_eq!(summary.cost_usd, None);
    assert_eq!(summary.retries, 0);
    assert!(summary.errors_by_kind.is_empty());
    assert!(!summary.emulated);
    assert_eq!(response.experiments[1].status, ExperimentStatus::Failed);
}

#[test]
fn an_old_style_response_round_trips_with_identical_field_names_and_values() {
    let old = old_style_response();
    let response: ExperimentResponse = serde_json::from_value(old.clone()).unwrap();
    let written = serde_json::to_value(&response).unwrap();

    // Every field of the old response is written back unchanged; the rest are ours.
    let old = old.as_object().unwrap();
    let written = written.as_object().unwrap();
    for (key, value) in old {
        if key != "experiments" {
            assert_eq!(&written[key], value, "{key}");
        }
    }
    for (old_summary, written_summary) in old["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .zip(written["experiments"].as_array().unwrap())
    {
        for (key, value) in old_summary.as_object().unwrap() {
            assert_eq!(&written_summary[key], value, "{key}");
        }
    }
    assert_eq!(written["datadog_comparison_url"], Value::Null);
}

#[test]
fn a_response_with_every_addition_round_trips_exactly() {
    let mut full = old_style_response();
    for summary in full["experiments"].as_array_mut().unwrap() {
        for (key, value) in summary_additions().as_object().unwrap() {
            summary[key] = value.clone();
        }
    }
    full["datadog_comparison_url"] = json!("https://app.datadoghq.eu/llm/experiments?x=1");
    full["sample_size"] = json!(10);
    full["warnings"] = json!([{"field": "model_configs[0].colour", "message": "unknown field"}]);

    let response: ExperimentResponse = serde_json::from_value(full.clone()).unwrap();
    assert_eq!(response.experiments[0].tokens.thinking, 8500);
    assert_eq!(
        response.experiments[0].consistency_pass_rates["votes_sum_to_good_ballots"],
        0.9
    );
    assert_eq!(serde_json::to_value(&response).unwrap(), full);
}

#[test]
fn response_status_follows_the_experiment_counts() {
    assert_eq!(ResponseStatus::from_counts(2, 2), ResponseStatus::Success);
    assert_eq!(ResponseStatus::from_counts(1, 2), ResponseStatus::Partial);
    assert_eq!(ResponseStatus::from_counts(0, 2), ResponseStatus::Failed);
}

#[test]
fn run_accepted_carries_the_id_twice_and_a_status_url() {
    let accepted = RunAccepted::new(
        "run-7",
        "https://tally.example/api/v1/experiments/runs/run-7",
    );
    assert_eq!(
        serde_json::to_value(&accepted).unwrap(),
        json!({
            "status": "accepted",
            "message": "Experiment run run-7 accepted; poll https://tally.example/api/v1/experiments/runs/run-7 for its status",
            "task_id": "run-7",
            "run_id": "run-7",
            "status_url": "https://tally.example/api/v1/experiments/runs/run-7",
            "warnings": []
        })
    );
    assert!(
        serde_json::from_value::<RunAccepted>(json!({
            "status": "queued", "message": "", "task_id": "a", "run_id": "a", "status_url": "u"
        }))
        .is_err()
    );
}

#[test]
fn run_statuses_are_lowercase_and_know_when_they_are_final() {
    let all = [
        (RunStatus::Queued, "queued", false),
        (RunStatus::Running, "running", false),
        (RunStatus::Succeeded, "succeeded", true),
        (RunStatus::Partial, "partial", true),
        (RunStatus::Failed, "failed", true),
        (RunStatus::Cancelled, "cancelled", true),
    ];
    for (status, text, is_final) in all {
        assert_eq!(serde_json::to_value(status).unwrap(), json!(text));
        assert_eq!(
            serde_json::from_value::<RunStatus>(json!(text)).unwrap(),
            status
        );
        assert_eq!(status.to_string(), text);
        assert_eq!(status.is_final(), is_final, "{text}");
    }
}
