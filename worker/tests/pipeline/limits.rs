//! Cluster-wide limits with several workers: a model's quota shared by all of them,
//! an experiment's `jobs` cap across all of them, and the cap coming back whole after
//! a worker dies holding permits.

use std::time::{Duration, Instant};

use serde_json::json;
use tally_core::run::RecordStatus;
use tally_test_support::child::ChildGuard;
use tally_worker::limits::LimitSettings;
use tally_worker::quotas::Quotas;

use crate::harness::{Harness, WorkerOptions, poll};

/// An emulator error profile under which every answer is usable.
fn no_errors() -> serde_json::Value {
    json!({"malformed_json": 0.0, "max_tokens": 0.0})
}

/// Requests the emulator received for `model`, by arrival time (ms).
async fn arrivals(harness: &Harness, model: &str) -> Vec<f64> {
    let log = harness.emulator_json("/_emulator/requests").await;
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["model"] == model)
        .map(|r| r["at_ms"].as_f64().unwrap())
        .collect()
}

/// The most arrivals in any window of `window_ms` (half-open, as the quota counts).
fn busiest_window(arrivals: &[f64], window_ms: f64) -> usize {
    let mut busiest = 0;
    let mut first = 0;
    for (last, at) in arrivals.iter().enumerate() {
        while *at - arrivals[first] >= window_ms {
            first += 1;
        }
        busiest = busiest.max(last - first + 1);
    }
    busiest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_workers_share_a_quota_without_crossing_it() {
    const WINDOW_MS: u64 = 2_000;
    const QUOTA: usize = 50;
    const RECORDS: u32 = 200;
    // The limiter spaces its slots on Redis's clock; the quota counts arrivals at the
    // emulator, which come after each worker's wake-up and HTTP send. The headroom
    // is the jitter between the two that a window absorbs: a tenth of the window
    // (aiming at 45 calls a window, five intervals of 44 ms spare) covers the delays
    // of a heavily loaded machine, where the default 2 % (one interval) does not.
    const HEADROOM: f64 = 0.1;
    let mut harness = Harness::start_with_fixture("quota", 10, RECORDS).await;
    harness
        .patch_emulator(json!({
            "quota_window_ms": WINDOW_MS,
            "request_log_capacity": 1000,
            "models": {"gemini-2.5-flash": {"rpm": QUOTA}},
        }))
        .await;
    let overlay = format!(
        "window_ms = {WINDOW_MS}\nheadroom = {HEADROOM}\n[models.\"gemini-2.5-flash\"]\nrpm = {QUOTA}\ntpm = 0\n"
    );
    let quotas = Quotas::from_toml(Some(&overlay), "test quotas").unwrap();
    for name in ["w1", "w2", "w3", "w4"] {
        let options = WorkerOptions {
            quotas: Some(quotas.clone()),
            // Few chunks each, so that every worker gets some of the sixteen.
            chunks: Some(2),
            ..WorkerOptions::default()
        };
        harness.start_worker_with(name, options).await;
    }
    let (run, _) = harness.submit_fixture_run(100).await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(120)).await;
    assert_eq!(results.len(), RECORDS as usize);
    let by_workers: std::collections::BTreeSet<_> = results
        .iter()
        .filter_map(|r| r.worker.clone())
        .map(|w| w[..2].to_string())
        .collect();
    assert_eq!(
        by_workers.len(),
        4,
        "all four workers called: {by_workers:?}"
    );

    let stats = harness.emulator_json("/_emulator/stats").await;
    assert_eq!(stats["rate_limited"], 0, "no call was refused: {stats}");
    let mut seen = arrivals(&harness, "gemini-2.5-flash").await;
    seen.sort_by(f64::total_cmp);
    let attempts: u32 = results.iter().map(|r| r.attempts).sum();
    assert_eq!(seen.len(), attempts as usize, "the log holds every call");
    let busiest = busiest_window(&seen, WINDOW_MS as f64);
    assert!(busiest <= QUOTA, "{busiest} requests in one window");
    let span = seen[seen.len() - 1] - seen[0];
    // The pace the limiter aims at, not the quota: the headroom is left unused.
    let aim = QUOTA as f64 * (1.0 - HEADROOM);
    // Nor do the calls outrun that pace over the whole run: only the first call's
    // lateness (at most the headroom's jitter) shortens the span.
    let interval = WINDOW_MS as f64 / aim;
    let jitter = HEADROOM * WINDOW_MS as f64;
    let most = ((span + jitter) / interval).floor() as usize + 1;
    assert!(
        seen.len() <= most,
        "{} calls in {span:.0} ms: faster than one per {interval:.1} ms",
        seen.len()
    );
    let achieved = (seen.len() - 1) as f64 / span * WINDOW_MS as f64 / aim;
    assert!(
        achieved >= 0.9,
        "achieved {:.1} % of the limiter's pace ({aim} calls a window)",
        achieved * 100.0
    );
    harness.cleanup().await;
}

/// Gemini's TPM counts input tokens only: the pacer reserves each call's estimated
/// input tokens, settles with the measured `promptTokenCount`, and so uses nearly
/// all of an input-token quota without one 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_pacer_uses_an_input_token_quota_without_crossing_it() {
    // A window holds its share, the burst (half the headroom) and one call: with
    // calls of 1 % of the quota (1,434 input tokens each) and 4 % headroom that is
    // 99 %, leaving 100 ms of the window for the calls' timing jitter.
    const WINDOW_MS: u64 = 10_000;
    const TOKENS: u64 = 143_400;
    const RECORDS: u32 = 200;
    let mut harness = Harness::start_with_fixture("input-tpm", 10, RECORDS).await;
    harness
        .patch_emulator(json!({
            "quota_window_ms": WINDOW_MS,
            "request_log_capacity": 1000,
            "models": {"gemini-2.5-flash": {"tpm": TOKENS, "errors": no_errors()}},
        }))
        .await;
    let overlay = format!(
        "window_ms = {WINDOW_MS}\nheadroom = 0.04\n[models.\"gemini-2.5-flash\"]\nrpm = 0\ntpm = {TOKENS}\n"
    );
    let quotas = Quotas::from_toml(Some(&overlay), "test quotas").unwrap();
    for name in ["w1", "w2"] {
        let options = WorkerOptions {
            quotas: Some(quotas.clone()),
            chunks: Some(4),
            ..WorkerOptions::default()
        };
        harness.start_worker_with(name, options).await;
    }
    let (run, _) = harness.submit_fixture_run(100).await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(120)).await;
    assert_eq!(results.len(), RECORDS as usize);

    let stats = harness.emulator_json("/_emulator/stats").await;
    assert_eq!(stats["rate_limited"], 0, "no call was refused: {stats}");
    let mut seen = arrivals(&harness, "gemini-2.5-flash").await;
    seen.sort_by(f64::total_cmp);
    assert_eq!(seen.len(), RECORDS as usize, "one attempt a record");
    let input: u64 = results.iter().map(|r| r.tokens.prompt).sum();
    let output: u64 = results
        .iter()
        .map(|r| r.tokens.output + r.tokens.thinking)
        .sum();
    assert!(output > 0, "output tokens exist but do not count");
    // Tokens sent after the first call, over the time they took.
    let per_call = input as f64 / RECORDS as f64;
    let span = seen[seen.len() - 1] - seen[0];
    let achieved = (input as f64 - per_call) / span * WINDOW_MS as f64 / TOKENS as f64;
    assert!(
        achieved >= 0.95,
        "achieved {:.1} % of the input-token quota ({per_call:.0} tokens a call)",
        achieved * 100.0
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jobs_caps_calls_in_flight_across_workers() {
    let mut harness = Harness::start_with_fixture("jobs-cap", 60, 48).await;
    harness
        .patch_emulator(json!({"models": {"gemini-2.5-flash": {"errors": no_errors()}}}))
        .await;
    for name in ["w1", "w2", "w3"] {
        harness.start_worker(name).await;
    }
    let (run, _) = harness.submit_fixture_run(3).await;
    let results = harness.wait_succeeded(&run, Duration::from_secs(120)).await;
    assert_eq!(results.len(), 48);
    assert!(results.iter().all(|r| r.status == RecordStatus::Succeeded));
    let workers: std::collections::BTreeSet<_> = results
        .iter()
        .filter_map(|r| r.worker.clone())
        .map(|w| w[..2].to_string())
        .collect();
    assert!(workers.len() >= 2, "the work was shared: {workers:?}");
    let stats = harness.emulator_json("/_emulator/stats").await;
    assert_eq!(
        stats["max_in_flight"], 3,
        "the emulator saw the cap used, never exceeded: {stats}"
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dead_workers_permits_return_after_the_lease() {
    const LEASE: Duration = Duration::from_secs(3);
    let mut harness = Harness::start_with_fixture("lease", 1_500, 40).await;
    let mut doomed = ChildGuard::new(
        harness
            .worker_process(env!("CARGO_BIN_EXE_tally-worker"), "doomed")
            .env("TALLY_LEASE_SECS", LEASE.as_secs().to_string())
            // One chunk: the rest stays queued for the survivors.
            .env("TALLY_WORKER_CHUNKS", "1")
            .spawn()
            .expect("the worker binary starts"),
    );
    let (run, experiment) = harness.submit_fixture_run(3).await;
    let doomed_leases = || async {
        let leases = harness.store.live_leases(&experiment).await.unwrap();
        leases.iter().filter(|l| l.starts_with("doomed:")).count()
    };
    poll(
        "the doomed worker holds all three permits",
        Duration::from_secs(30),
        || async { doomed_leases().await == 3 },
    )
    .await;
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();
    let killed = Instant::now();
    assert_eq!(
        doomed_leases().await,
        3,
        "a dead worker's leases outlive it"
    );

    let survivors = WorkerOptions {
        limits: Some(LimitSettings {
            lease_ttl: LEASE,
            ..LimitSettings::default()
        }),
        ..WorkerOptions::default()
    };
    harness.start_worker_with("s1", survivors.clone()).await;
    harness.start_worker_with("s2", survivors).await;
    poll(
        "the survivors hold the whole cap",
        Duration::from_secs(30),
        || async {
            let leases = harness.store.live_leases(&experiment).await.unwrap();
            leases.len() == 3 && leases.iter().all(|l| l.starts_with("s"))
        },
    )
    .await;
    let regained = killed.elapsed();
    assert!(
        regained < LEASE + Duration::from_secs(3),
        "the cap came back {regained:?} after the kill (lease {LEASE:?})"
    );
    let results = harness.wait_succeeded(&run, Duration::from_secs(120)).await;
    assert_eq!(results.len(), 40);
    let stats = harness.emulator_json("/_emulator/stats").await;
    assert!(stats["max_in_flight"].as_u64().unwrap() <= 3, "{stats}");
    harness.cleanup().await;
}
