//! Redis under pressure: a run against a Redis that fills up mid-run stalls — its
//! workers back off instead of restarting in a loop, their logs stay short, the
//! store reports itself full — and once memory is freed the run completes with
//! every result exactly once.
//!
//! The Redis is a private `redis-server` with `noeviction` (the production policy);
//! the shared one is never reconfigured. The test is alone in its binary because it
//! points `TALLY_REDIS_URL` at that server for the whole process.

use std::fs::File;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tally_core::contract::RunStatus;
use tally_store::REDIS_URL_ENV;
use tally_test_support::child::ChildGuard;
use tally_test_support::pipeline::{API_KEY, FIXTURE, Harness, poll, request_for, run_with_env};
use tally_test_support::private_redis::PrivateRedis;

const RECORDS: u32 = 120;
/// How long the store stays full while the test watches.
const FULL_FOR: Duration = Duration::from_secs(8);

#[test]
fn a_full_redis_stalls_the_run_quietly_and_it_completes_once_memory_is_freed() {
    let redis = PrivateRedis::start("512mb");
    run_with_env(&[(REDIS_URL_ENV, redis.url())], stall_and_resume(&redis));
}

async fn stall_and_resume(redis: &PrivateRedis) {
    let mut harness = Harness::start_with_fixture("pressure", 150, RECORDS).await;
    let logs = tempfile::tempdir().expect("log dir");
    let _workers: Vec<ChildGuard> = ["first", "second"]
        .iter()
        .map(|name| spawn_worker(&harness, name, &logs.path().join(format!("{name}.log"))))
        .collect();
    let api = harness.start_api().await;
    let (run, experiment) = harness.submit_fixture_run(2).await;
    let done = || harness.done(&experiment);
    harness.wait_for_results(&experiment, 10).await;

    // Fill the store: below what it holds already, every write is refused.
    let full = (redis.used_memory() / 2).to_string();
    redis
        .command(&["CONFIG", "SET", "maxmemory", &full])
        .expect("CONFIG SET");
    // The API says so: not ready, health names the condition, a running run shows
    // why it is stalled, and a submission is refused with a precise 503.
    poll(
        "readyz turns not ready",
        Duration::from_secs(10),
        || async { get(&harness, &api, "/readyz").await.0 == 503 },
    )
    .await;
    let (_, ready) = get(&harness, &api, "/readyz").await;
    assert_eq!(ready["error"]["code"], "store_full");
    let (_, health) = get(&harness, &api, "/api/v1/experiments/health").await;
    assert_eq!(
        (health["status"].as_str(), health["redis"].as_str()),
        (Some("degraded"), Some("out_of_memory"))
    );
    let (_, status) = get(&harness, &api, &format!("/api/v1/experiments/runs/{run}")).await;
    assert_eq!(status["status"], "running");
    assert_eq!(status["stalled"]["condition"], "out_of_memory", "{status}");
    assert!(
        status["stalled"]["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("out of memory")),
        "{status}"
    );
    assert!(status["stalled"]["since"].is_string(), "{status}");
    let refused = harness
        .http
        .post(format!("{api}/api/v1/experiments/run-async"))
        .header("X-API-Key", API_KEY)
        .body(request_for(
            FIXTURE,
            r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
            "",
        ))
        .send()
        .await
        .expect("API answers");
    assert_eq!(refused.status(), 503);
    let refused: Value = refused.json().await.expect("JSON error");
    assert_eq!(refused["error"]["code"], "store_full", "{refused}");
    // An import of new content is refused the same way and leaves nothing behind.
    gemini_emulator::fixtures::write_dataset(&harness.data_dir.join("more"), 30)
        .expect("second dataset");
    let keys_before = dataset_keys(&harness).await;
    let import = harness
        .http
        .post(format!("{api}/api/v1/datasets/import"))
        .header("X-API-Key", API_KEY)
        .json(&serde_json::json!({"path": "more/sample"}))
        .send()
        .await
        .expect("API answers");
    assert_eq!(import.status(), 503);
    let import: Value = import.json().await.expect("JSON error");
    assert_eq!(import["error"]["code"], "store_full", "{import}");
    assert_eq!(
        dataset_keys(&harness).await,
        keys_before,
        "no partial import"
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let lines_before = log_lines(logs.path());
    let done_before = done().await;
    tokio::time::sleep(FULL_FOR).await;
    let lines_during = log_lines(logs.path()) - lines_before;
    assert_eq!(done().await, done_before, "no result is written while full");
    // Each worker: fewer than 10 lines a second while the store refuses writes.
    let bound = 10 * 2 * FULL_FOR.as_secs() as usize;
    assert!(
        lines_during < bound,
        "{lines_during} log lines in {FULL_FOR:?} from two workers:\n{}",
        tail(logs.path())
    );

    redis
        .command(&["CONFIG", "SET", "maxmemory", "512mb"])
        .expect("CONFIG SET");
    let view = harness.wait_final(&run, Duration::from_secs(180)).await;
    let (_, status) = get(&harness, &api, &format!("/api/v1/experiments/runs/{run}")).await;
    assert!(status["stalled"].is_null(), "{status}");
    assert_eq!(get(&harness, &api, "/readyz").await.0, 200);
    assert_eq!(view.status, RunStatus::Succeeded);
    let results = harness.store.all_results(&experiment).await.expect("store");
    assert_eq!(results.len(), RECORDS as usize, "every result, none lost");
    assert_eq!(done().await, u64::from(RECORDS), "none counted twice");
    harness.cleanup().await;
}

/// The keys of datasets, versions and staged uploads (the run's own keys change
/// while it is stalled: leases expire).
async fn dataset_keys(harness: &Harness) -> Vec<String> {
    let mut keys = harness.all_keys().await;
    keys.retain(|key| key.contains(":dataset"));
    keys
}

async fn get(harness: &Harness, api: &str, path: &str) -> (u16, Value) {
    let response = harness
        .http
        .get(format!("{api}{path}"))
        .header("X-API-Key", API_KEY)
        .send()
        .await
        .expect("API answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

fn spawn_worker(harness: &Harness, name: &str, log: &Path) -> ChildGuard {
    let stderr = File::create(log).expect("log file");
    ChildGuard::new(
        harness
            .worker_process(env!("CARGO_BIN_EXE_tally-worker"), name)
            .env("RUST_LOG", "info")
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("the worker binary starts"),
    )
}

/// Lines the workers have logged so far.
fn log_lines(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("log dir")
        .map(|entry| {
            std::fs::read_to_string(entry.expect("entry").path())
                .expect("log")
                .lines()
                .count()
        })
        .sum()
}

/// The last lines of each worker's log, for a failure message.
fn tail(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).expect("log dir") {
        let path = entry.expect("entry").path();
        let log = std::fs::read_to_string(&path).expect("log");
        let lines: Vec<&str> = log.lines().collect();
        text.push_str(&format!("== {}\n", path.display()));
        for line in &lines[lines.len().saturating_sub(20)..] {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}
