//! A run goes from submission to a final response, and every number in it can be
//! recomputed from the stored per-record results.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use tally_core::contract::{ExperimentSummary, RunStatus};
use tally_core::evaluators::{
    BALLOT_ACCURACY_SCORE, EXACT_FORM_MATCH, MetricValue, VOTE_RESULTS_QUALITY,
};
use tally_core::run::{ExperimentId, RecordResult, RecordStatus};

use crate::harness::{Harness, WorkerOptions, request};

const BASELINE: &str = r#"[
  {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "baseline", "thinking_budget": 0, "seed": 11},
  {"model": "gemini-2.5-flash-lite", "temperature": 0.4, "name_suffix": "lite", "top_p": 0.9, "top_k": 20}
]"#;

fn score(value: &MetricValue) -> f64 {
    match value {
        MetricValue::Score(score) => score.get(),
        MetricValue::Bool(true) => 1.0,
        _ => 0.0,
    }
}

/// The summary's numbers, computed again from the results alone.
fn check_summary(summary: &ExperimentSummary, results: &[RecordResult]) {
    let n = summary.total_records as f64;
    let overall: f64 = results
        .iter()
        .map(|r| {
            0.2 * score(r.evaluations.get(EXACT_FORM_MATCH))
                + 0.4 * score(r.evaluations.get(BALLOT_ACCURACY_SCORE))
                + 0.4 * score(r.evaluations.get(VOTE_RESULTS_QUALITY))
        })
        .sum::<f64>()
        / n;
    let succeeded = results
        .iter()
        .filter(|r| r.status == RecordStatus::Succeeded)
        .count();
    let ballot: f64 = results
        .iter()
        .map(|r| score(r.evaluations.get(BALLOT_ACCURACY_SCORE)))
        .sum::<f64>()
        / n;
    assert!(
        (summary.overall_accuracy - overall).abs() < 1e-9,
        "{} vs {overall}",
        summary.overall_accuracy
    );
    assert!((summary.avg_ballot_accuracy - ballot).abs() < 1e-9);
    assert_eq!(summary.successful_records, succeeded as u64);
    assert!((summary.success_rate - succeeded as f64 / n).abs() < 1e-9);
    let prompt: u64 = results.iter().map(|r| r.tokens.prompt).sum();
    assert_eq!(summary.tokens.prompt, prompt);
    assert!(prompt > 0);
    assert!(
        summary.emulated,
        "answers from the emulator are marked emulated"
    );
    assert!(results.iter().all(|r| r.emulated));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn async_submission_runs_to_a_final_response() {
    let mut harness = Harness::start("completes", 0).await;
    harness.start_worker("w1").await;
    let secret = "dd-api-key-5ecr3t-0123456789";
    let extra = format!(r#", "raise_errors": false, "api_key": "{secret}""#);
    let (_, view) = harness
        .submit_and_wait(&request(BASELINE, &extra), Duration::from_secs(60))
        .await;

    assert_eq!(view.status, RunStatus::Succeeded);
    let response = view.response.expect("final runs carry their response");
    assert_eq!(response.total_experiments, 2);
    assert_eq!(response.successful_experiments, 2);
    assert_eq!(response.dataset_size, 10);
    assert!(
        response.message.contains("gemini-emulator"),
        "{}",
        response.message
    );
    let names: Vec<_> = response
        .experiments
        .iter()
        .map(|e| e.experiment_name.as_str())
        .collect();
    assert_eq!(names, ["vote-extraction-baseline", "vote-extraction-lite"]);

    for summary in &response.experiments {
        let id = ExperimentId::parse(&summary.experiment_id).unwrap();
        let results = harness.store.all_results(&id).await.unwrap();
        assert_eq!(results.len(), 10, "one result per record");
        let ids: BTreeSet<_> = results.iter().map(|r| r.record_id.clone()).collect();
        assert_eq!(ids.len(), 10);
        check_summary(summary, &results);
        assert!(
            summary
                .experiment_url
                .starts_with("http://tally.test/ui/#/experiments/exp_")
        );
    }

    // What each configuration asked for reached the model call.
    let logged = harness.emulator_json("/_emulator/requests").await;
    let mut seen: HashMap<String, serde_json::Value> = HashMap::new();
    for entry in logged["requests"].as_array().unwrap() {
        seen.insert(
            entry["model"].as_str().unwrap().to_string(),
            entry["body"]["generationConfig"].clone(),
        );
    }
    let flash = &seen["gemini-2.5-flash"];
    assert_eq!(flash["temperature"], 0.0);
    assert_eq!(flash["seed"], 11);
    assert_eq!(flash["thinkingConfig"]["thinkingBudget"], 0);
    let lite = &seen["gemini-2.5-flash-lite"];
    assert_eq!(lite["temperature"], 0.4);
    assert_eq!(lite["topP"], 0.9);
    assert_eq!(lite["topK"], 20);
    assert!(
        lite.get("thinkingConfig").is_none(),
        "no thinking asked, none sent: {lite}"
    );

    // The Datadog key of the request reached no key or value in Redis.
    assert!(
        harness.all_keys().await.len() > 10,
        "the scan sees the run's keys"
    );
    assert_eq!(harness.keys_containing(secret).await, Vec::<String>::new());
    assert!(
        !harness
            .keys_containing("vote-extraction-baseline")
            .await
            .is_empty(),
        "the scan reads values"
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_share_one_experiment() {
    let mut harness = Harness::start("share", 600).await;
    // Two chunks at a time each: neither worker can hold all ten chunks.
    let two_chunks = WorkerOptions {
        chunks: Some(2),
        ..WorkerOptions::default()
    };
    harness.start_worker_with("a", two_chunks.clone()).await;
    harness.start_worker_with("b", two_chunks).await;
    let (_, view) = harness
        .submit_and_wait(
            &request(
                r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
                r#", "jobs": 4"#,
            ),
            Duration::from_secs(60),
        )
        .await;
    let experiment = view.record.experiments[0].clone();
    let results = harness.store.all_results(&experiment).await.unwrap();
    assert_eq!(results.len(), 10);
    let workers: BTreeSet<_> = results
        .iter()
        .filter_map(|r| r.worker.clone())
        .map(|w| w[..1].to_string())
        .collect();
    assert_eq!(
        workers,
        BTreeSet::from(["a".to_string(), "b".to_string()]),
        "both workers processed records"
    );
    harness.cleanup().await;
}
