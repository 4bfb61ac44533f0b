//! Repeated trials end to end: every record answered N times, each trial kept, the
//! summary's standard error and agreement rate, the response cache keyed by trial,
//! a comparison over records (not trials), and a retry of the missing pairs only.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};
use tally_core::contract::{ExperimentSummary, RunStatus};
use tally_core::run::{ExperimentId, RecordResult, RecordStatus, RunId};

use crate::harness::{API_KEY, Harness, request};

const MODEL: &str = "gemini-2.5-flash";

async fn emulator_calls(harness: &Harness) -> u64 {
    let stats = harness.emulator_json("/_emulator/stats").await;
    stats["models"][MODEL]["requests"].as_u64().unwrap_or(0)
}

/// Each experiment's summary and its results by record id → trials found.
async fn finish(
    harness: &Harness,
    run: &RunId,
) -> Vec<(ExperimentSummary, BTreeMap<String, Vec<RecordResult>>)> {
    let view = harness.wait_final(run, Duration::from_secs(180)).await;
    let response = view.response.expect("final response");
    let mut experiments = Vec::new();
    for summary in response.experiments {
        let id = ExperimentId::parse(&summary.experiment_id).unwrap();
        let mut by_record: BTreeMap<String, Vec<RecordResult>> = BTreeMap::new();
        for result in harness.store.all_results(&id).await.unwrap() {
            by_record
                .entry(result.record_id.clone())
                .or_default()
                .push(result);
        }
        for trials in by_record.values_mut() {
            trials.sort_by_key(|r| r.trial);
        }
        experiments.push((summary, by_record));
    }
    experiments
}

fn trial_indices(results: &BTreeMap<String, Vec<RecordResult>>) -> BTreeSet<Vec<u32>> {
    results
        .values()
        .map(|trials| trials.iter().map(|r| r.trial).collect())
        .collect()
}

async fn api_get(harness: &Harness, url: String) -> Value {
    harness
        .http
        .get(url)
        .header("X-API-Key", API_KEY)
        .send()
        .await
        .expect("the API answers")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_trials_give_three_answers_per_record_a_standard_error_and_an_agreement_rate() {
    let mut harness = Harness::start("trials", 0).await;
    let api = harness.start_api().await;
    // Frequent, seeded mistakes: a request answered twice gets the same mistakes,
    // a request with another seed gets others. No failures, so every trial answers.
    harness
        .patch_emulator(json!({"models": {MODEL: {"errors": {
            "digit_slip": 0.3, "drop_vote_row": 0.3, "malformed_json": 0.0, "max_tokens": 0.0
        }}}}))
        .await;
    harness.start_worker("w1").await;
    // The same request three times (the emulator is deterministic), and three
    // seeds (trial k sends seed + k): a perturbed model.
    let configs = format!(
        r#"[{{"model": "{MODEL}", "temperature": 0.0, "name_suffix": "same"}},
            {{"model": "{MODEL}", "temperature": 0.7, "seed": 11, "name_suffix": "seeded"}}]"#
    );
    let run = harness
        .submit(&request(
            &configs,
            r#", "sample_size": 5, "trials": 3, "raise_errors": false, "jobs": 4"#,
        ))
        .await;
    let experiments = finish(&harness, &run).await;
    assert_eq!(
        emulator_calls(&harness).await,
        30,
        "5 records × 3 trials × 2"
    );
    let [(same, same_results), (seeded, seeded_results)] = &experiments[..] else {
        panic!("two experiments");
    };
    for (summary, results) in [(same, same_results), (seeded, seeded_results)] {
        assert_eq!(results.len(), 5, "every record of the sample");
        assert_eq!(
            trial_indices(results),
            BTreeSet::from([vec![0, 1, 2]]),
            "three answers per record, one per trial"
        );
        assert_eq!(summary.total_records, 15, "record × trial");
        assert_eq!(summary.successful_records, 15);
        let trials = summary.trials.as_ref().expect("a trial summary");
        assert_eq!(trials.trials, 3);
        assert_eq!(trials.records_compared, 5);
        let accuracy = &trials.metrics["overall_accuracy"];
        assert_eq!(accuracy.per_trial.len(), 3);
        assert!(accuracy.standard_error.is_finite());
        let mean = accuracy.per_trial.iter().sum::<f64>() / 3.0;
        assert!((accuracy.mean - mean).abs() < 1e-9);
        assert!((summary.overall_accuracy - mean).abs() < 1e-9);
    }
    let same_trials = same.trials.as_ref().unwrap();
    assert_eq!(same_trials.agreement_rate, Some(1.0), "identical requests");
    assert_eq!(same_trials.metrics["overall_accuracy"].standard_error, 0.0);
    assert!(same_trials.least_stable.is_empty());
    let seeded_trials = seeded.trials.as_ref().unwrap();
    let agreement = seeded_trials.agreement_rate.expect("compared records");
    assert!(agreement < 1.0, "seeded trials disagree: {agreement}");
    let unstable = ((1.0 - agreement) * 5.0).round() as usize;
    assert_eq!(seeded_trials.least_stable.len(), unstable.min(10));
    assert!(seeded_trials.metrics["overall_accuracy"].standard_error > 0.0);
    // The least stable records really have different answers across trials.
    for record in &seeded_trials.least_stable {
        let answers: BTreeSet<String> = seeded_results[&record.record_id]
            .iter()
            .map(|r| serde_json::to_string(&r.output).unwrap())
            .collect();
        assert_eq!(answers.len() as u32, record.distinct_answers);
    }

    // Progress counts record × trial.
    let detail = api_get(
        &harness,
        format!(
            "{api}/api/v1/experiments/experiments/{}",
            seeded.experiment_id
        ),
    )
    .await;
    assert_eq!(detail["trials"], 3, "{detail}");
    assert_eq!(detail["progress"]["total"], 15, "{detail}");
    assert_eq!(detail["progress"]["done"], 15, "{detail}");

    // A comparison resamples records: 5 shared records, not 15.
    let comparison = api_get(
        &harness,
        format!(
            "{api}/api/v1/experiments/compare?ids={},{}",
            same.experiment_id, seeded.experiment_id
        ),
    )
    .await;
    assert_eq!(comparison["pairs"][0]["shared_records"], 5, "{comparison}");
    assert_eq!(comparison["shared_records"], 5, "{comparison}");

    // The cache keeps one answer per trial (only the temperature-0 experiment uses
    // it): a second run reuses trial k for trial k and calls nothing.
    assert_eq!(harness.keys_containing(":cache:").await.len(), 15);
    let calls = emulator_calls(&harness).await;
    let again = harness
        .submit(&request(
            &format!(r#"[{{"model": "{MODEL}", "temperature": 0.0, "name_suffix": "same"}}]"#),
            r#", "sample_size": 5, "trials": 3, "jobs": 4"#,
        ))
        .await;
    let repeated = finish(&harness, &again).await;
    assert_eq!(emulator_calls(&harness).await, calls, "no model call");
    let (summary, results) = &repeated[0];
    assert_eq!(summary.cache_hits, 15);
    for (record, trials) in results {
        for (cached, fresh) in trials.iter().zip(&same_results[record]) {
            assert_eq!((cached.trial, &cached.output), (fresh.trial, &fresh.output));
        }
    }
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_of_a_trials_run_executes_exactly_the_missing_pairs() {
    let mut harness = Harness::start("trials-retry", 0).await;
    let api = harness.start_api().await;
    // The next two calls are refused for good (403 is not retried): two pairs fail.
    harness
        .push_faults(vec![json!({"fault": "permission_denied"}); 2])
        .await;
    harness.start_worker("w").await;
    let parent = harness
        .submit(&request(
            &format!(r#"[{{"model": "{MODEL}", "temperature": 0.0, "cache": "off"}}]"#),
            r#", "sample_size": 4, "raise_errors": false, "jobs": 1, "trials": 3"#,
        ))
        .await;
    let view = harness.wait_final(&parent, Duration::from_secs(180)).await;
    assert_eq!(view.status, RunStatus::Succeeded);
    let failed: BTreeSet<(String, u32)> = harness
        .store
        .all_results(&view.record.experiments[0])
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.status == RecordStatus::Failed)
        .map(|r| (r.record_id, r.trial))
        .collect();
    assert_eq!(failed.len(), 2, "two pairs failed");

    let calls = emulator_calls(&harness).await;
    let answer = harness
        .http
        .post(format!("{api}/api/v1/experiments/runs/{parent}/retry"))
        .header("X-API-Key", API_KEY)
        .send()
        .await
        .expect("the API answers");
    assert_eq!(answer.status().as_u16(), 202);
    let accepted: Value = answer.json().await.expect("json");
    assert_eq!(accepted["records"], json!([2]), "{accepted}");
    let child = RunId::parse(accepted["run_id"].as_str().unwrap()).unwrap();
    let child_view = harness.wait_final(&child, Duration::from_secs(120)).await;
    assert_eq!(
        emulator_calls(&harness).await - calls,
        2,
        "the retry called the model for the failed pairs only"
    );
    let retried: BTreeSet<(String, u32)> = harness
        .store
        .all_results(&child_view.record.experiments[0])
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.record_id, r.trial))
        .collect();
    assert_eq!(retried, failed, "exactly the failed pairs were executed");

    let status = api_get(&harness, format!("{api}/api/v1/experiments/runs/{parent}")).await;
    let combined = &status["combined_result"]["experiments"][0];
    assert_eq!(combined["total_records"], 12, "{status}");
    assert_eq!(combined["successful_records"], 12, "{status}");
    assert_eq!(combined["trials"]["records_compared"], 4, "{status}");
    assert_eq!(combined["status"], "success", "{status}");
    harness.cleanup().await;
}
