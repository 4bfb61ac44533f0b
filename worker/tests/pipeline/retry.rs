//! Retry of a run's unsuccessful records through the API: the child run executes
//! exactly those records, and the run with its retries gives one complete result.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use tally_core::contract::RunStatus;
use tally_core::run::{RecordStatus, RunId};

use crate::harness::{API_KEY, Harness, poll, request};

const MODEL: &str = "gemini-2.5-flash";

async fn post(harness: &Harness, url: String) -> (u16, Value) {
    let answer = harness
        .http
        .post(url)
        .header("X-API-Key", API_KEY)
        .send()
        .await
        .expect("the API answers");
    let status = answer.status().as_u16();
    (status, answer.json().await.expect("json"))
}

async fn get(harness: &Harness, url: String) -> Value {
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

async fn emulator_requests(harness: &Harness) -> u64 {
    let stats = harness.emulator_json("/_emulator/stats").await;
    stats["models"][MODEL]["requests"].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_executes_exactly_the_failed_records_and_completes_the_result() {
    let mut harness = Harness::start("retry", 0).await;
    let api = harness.start_api().await;
    let runs = format!("{api}/api/v1/experiments/runs");
    // The next three calls are refused for good (403 is not retried): three records fail.
    harness
        .push_faults(vec![json!({"fault": "permission_denied"}); 3])
        .await;
    harness.start_worker("w").await;
    let parent = harness
        .submit(&request(
            &format!(r#"[{{"model": "{MODEL}", "temperature": 0.0}}]"#),
            r#", "raise_errors": false, "jobs": 1"#,
        ))
        .await;
    let view = harness.wait_final(&parent, Duration::from_secs(60)).await;
    let first_experiment = &view.record.experiments[0];
    let failed: BTreeSet<String> = harness
        .store
        .all_results(first_experiment)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.status == RecordStatus::Failed)
        .map(|r| r.record_id)
        .collect();
    assert_eq!(failed.len(), 3, "three records failed");

    // No worker runs now: the retry stays queued, and a second one is refused.
    harness.stop_workers().await;
    let (code, accepted) = post(&harness, format!("{runs}/{parent}/retry")).await;
    assert_eq!(code, 202, "{accepted}");
    assert_eq!(accepted["retry_of"], parent.as_str());
    assert_eq!(accepted["records"], json!([3]), "{accepted}");
    let child = RunId::parse(accepted["run_id"].as_str().unwrap()).unwrap();
    let (code, refused) = post(&harness, format!("{runs}/{parent}/retry")).await;
    assert_eq!(code, 409, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains(child.as_str()),
        "{refused}"
    );
    let (code, unknown) = post(&harness, format!("{runs}/{}/retry", RunId::generate())).await;
    assert_eq!(code, 404, "{unknown}");

    let calls_before = emulator_requests(&harness).await;
    harness.start_worker("w2").await;
    harness.wait_final(&child, Duration::from_secs(60)).await;
    assert_eq!(
        emulator_requests(&harness).await - calls_before,
        3,
        "the retry called the model for the failed records only"
    );
    let child_view = harness.store.run(&child).await.unwrap().unwrap();
    let retried: BTreeSet<String> = harness
        .store
        .all_results(&child_view.record.experiments[0])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.record_id)
        .collect();
    assert_eq!(retried, failed, "exactly the failed records were executed");

    let status = get(&harness, format!("{runs}/{parent}")).await;
    assert_eq!(status["retries"][0]["run_id"], child.as_str(), "{status}");
    let combined = &status["combined_result"]["experiments"][0];
    assert_eq!(combined["total_records"], 10, "{status}");
    assert_eq!(combined["successful_records"], 10, "{status}");
    assert_eq!(combined["failed_records"], 0, "{status}");
    assert_eq!(combined["status"], "success", "{status}");
    assert_eq!(status["combined_result"]["status"], "success");
    // The parent's own result is unchanged: three failed records.
    assert_eq!(status["result"]["experiments"][0]["failed_records"], 3);
    let child_status = get(&harness, format!("{runs}/{child}")).await;
    assert_eq!(
        child_status["retry_of"]["run_id"],
        parent.as_str(),
        "{child_status}"
    );
    assert_eq!(child_status["combined_result"], status["combined_result"]);
    // The retry's experiment names the experiment it completes and the sample
    // positions of exactly the failed records; the first run's experiment names none.
    let detail_url = |status: &Value| {
        status["experiments"][0]["detail_url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let detail = get(&harness, detail_url(&child_status)).await;
    assert_eq!(
        detail["retry"]["experiment_id"],
        first_experiment.to_string(),
        "{detail}"
    );
    let sample = harness
        .store
        .dataset_records(&view.record.dataset.name, view.record.dataset.version, None)
        .await
        .unwrap()
        .unwrap();
    let positions: Vec<u64> = (0u64..)
        .zip(&sample)
        .filter(|(_, record)| failed.contains(&record.id))
        .map(|(position, _)| position)
        .collect();
    assert_eq!(detail["retry"]["positions"], json!(positions), "{detail}");
    assert_eq!(
        get(&harness, detail_url(&status)).await["retry"],
        Value::Null
    );

    // Nothing is left to retry: a further retry executes no record and ends at once.
    let (code, again) = post(&harness, format!("{runs}/{child}/retry")).await;
    assert_eq!(code, 202, "{again}");
    assert_eq!(again["records"], json!([0]));
    assert_eq!(
        again["retry_of"],
        parent.as_str(),
        "a retry joins the first run's chain"
    );
    let last = RunId::parse(again["run_id"].as_str().unwrap()).unwrap();
    harness.wait_final(&last, Duration::from_secs(60)).await;
    let status = get(&harness, format!("{runs}/{parent}")).await;
    assert_eq!(status["retries"].as_array().unwrap().len(), 2, "{status}");
    assert_eq!(
        status["combined_result"]["experiments"][0]["successful_records"],
        10
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancelled_run_is_resumed_with_the_records_it_never_finished() {
    let mut harness = Harness::start("retry-cancel", 200).await;
    let api = harness.start_api().await;
    let runs = format!("{api}/api/v1/experiments/runs");
    harness.start_worker("w").await;
    let parent = harness
        .submit(&request(
            &format!(r#"[{{"model": "{MODEL}", "temperature": 0.0}}]"#),
            r#", "jobs": 1"#,
        ))
        .await;
    let experiment = harness.first_experiment(&parent).await;
    poll("a first result", Duration::from_secs(30), || async {
        let view = harness
            .store
            .experiment(&experiment)
            .await
            .unwrap()
            .unwrap();
        view.progress.done >= 1
    })
    .await;
    harness.store.cancel(&parent).await.unwrap();
    let view = harness.wait_final(&parent, Duration::from_secs(30)).await;
    assert_eq!(view.status, RunStatus::Cancelled);

    let (code, accepted) = post(&harness, format!("{runs}/{parent}/retry")).await;
    assert_eq!(code, 202, "{accepted}");
    let child = RunId::parse(accepted["run_id"].as_str().unwrap()).unwrap();
    let child_view = harness.wait_final(&child, Duration::from_secs(60)).await;
    assert_eq!(child_view.status, RunStatus::Succeeded);
    let child_experiment = harness
        .store
        .experiment(&child_view.record.experiments[0])
        .await
        .unwrap()
        .unwrap()
        .record;
    let scope = child_experiment
        .retry
        .expect("a retry's experiment has a scope");
    assert_eq!(accepted["records"], json!([scope.indices.len()]));
    assert!(
        !scope.indices.is_empty() && scope.indices.len() < 10,
        "{scope:?}"
    );
    let sample = harness
        .store
        .dataset_records_at(
            &child_experiment.dataset.name,
            &child_experiment.dataset.content_hash,
            &scope.indices,
        )
        .await
        .unwrap();
    let chosen: BTreeSet<String> = sample.into_iter().map(|r| r.id).collect();
    let executed: BTreeSet<String> = harness
        .store
        .all_results(&child_experiment.experiment_id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.record_id)
        .collect();
    assert_eq!(executed, chosen, "the retry executed the records it chose");
    // None of them had succeeded when the retry was created (a record in flight at
    // the cancel may have finished after it).
    for result in harness.store.all_results(&experiment).await.unwrap() {
        if chosen.contains(&result.record_id) {
            assert!(
                result.status == RecordStatus::Failed
                    || result.finished_at >= child_view.created_at,
                "{} had succeeded before the retry",
                result.record_id
            );
        }
    }
    let status = get(&harness, format!("{runs}/{parent}")).await;
    let combined = &status["combined_result"]["experiments"][0];
    assert_eq!(combined["successful_records"], 10, "{status}");
    assert_eq!(combined["status"], "success", "{status}");
    assert_eq!(status["result"]["experiments"][0]["status"], "cancelled");
    harness.cleanup().await;
}
