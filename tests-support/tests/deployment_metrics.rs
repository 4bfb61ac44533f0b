//! Every metric the deployment files name — alert rules and their tests, the Grafana
//! dashboard, the Kubernetes autoscaler — is one the daemons really export: a real
//! run goes through tally-api, a worker and gemini-emulator (with a 429 on the way),
//! a scheduler ticks over the shipped schedules, and their live `/metrics` endpoints
//! are scraped over HTTP.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tally_core::run::{PublicUrls, RunId};
use tally_core::schedule::parse_schedules_file;
use tally_scheduler::{AlertSender, Metrics, RetryPolicy, Scheduler, SchedulerConfig, SystemClock};
use tally_store::SchedulerStore;
use tally_test_support::pipeline::{API_KEY, Harness, SAMPLE};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// Metric names in `text`: every `tally_…` identifier (recording rules are named
/// `tally:…` and are not exports).
fn metric_names_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    let is_name = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
    let mut at = 0;
    while let Some(found) = text[at..].find("tally_") {
        let start = at + found;
        let mut end = start + "tally_".len();
        while end < bytes.len() && is_name(bytes[end]) {
            end += 1;
        }
        let glued = start > 0 && (is_name(bytes[start - 1]) || bytes[start - 1] == b':');
        if !glued {
            names.insert(text[start..end].to_string());
        }
        at = end;
    }
    names
}

/// The names of the samples of a Prometheus text exposition.
fn exported_names(exposition: &str) -> BTreeSet<String> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(str::to_string)
        .collect()
}

/// Every metric named by the files of `deploy/{prometheus,grafana,kubernetes}`, with
/// the file that names it.
fn referenced_names() -> Vec<(String, String)> {
    let mut referenced = Vec::new();
    for folder in ["prometheus", "grafana", "kubernetes"] {
        let dir = deploy_dir().join(folder);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for name in metric_names_in(&text) {
                referenced.push((
                    name,
                    format!("{folder}/{}", file.file_name().unwrap().to_string_lossy()),
                ));
            }
        }
    }
    referenced
}

async fn scrape(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.expect("metrics answer");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.text().await.unwrap()
}

/// A scheduler replica over the harness's store, seeded with the shipped schedules
/// and ticked once, its metrics served on a loopback port. Returns the scrape URL
/// and what stops it.
async fn scheduler_metrics(harness: &Harness) -> (String, oneshot::Sender<()>) {
    let text = std::fs::read_to_string(deploy_dir().join("schedules.toml")).unwrap();
    let schedules = parse_schedules_file("deploy/schedules.toml", &text).expect("schedules");
    let metrics = Metrics::new().unwrap();
    let store = SchedulerStore::connect(&harness.store_settings)
        .await
        .unwrap();
    let scheduler = Scheduler::new(
        store,
        Arc::new(SystemClock),
        SchedulerConfig::default(),
        PublicUrls::new("http://tally.test"),
        metrics.clone(),
        AlertSender::start(RetryPolicy::default(), false, metrics.clone()),
    );
    scheduler.seed(&schedules).await.unwrap();
    scheduler.tick().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(tally_daemon::metrics::serve(
        listener,
        metrics.registry().clone(),
        async {
            let _ = stopped.await;
        },
    ));
    (url, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_deployment_files_name_is_exported_by_a_daemon() {
    let referenced = referenced_names();
    let names: BTreeSet<&str> = referenced.iter().map(|(name, _)| name.as_str()).collect();
    for prefix in [
        "tally_api_",
        "tally_worker_",
        "tally_scheduler_",
        "tally_queue_",
    ] {
        assert!(
            names.iter().any(|name| name.starts_with(prefix)),
            "the deployment files name no {prefix}* metric: {names:?}"
        );
    }

    let mut harness = Harness::start("deploy-metrics", 10).await;
    let api = harness.start_api().await;
    harness.start_worker("w").await;
    let worker_url = harness.serve_worker_metrics(0).await;
    // One 429 (then a success) on the way, so the rate-limit counters move.
    let queued = harness
        .http
        .post(format!("{}/_emulator/faults", harness.emulator.base_url()))
        .json(&json!({"model": "gemini-2.5-flash",
                      "faults": [{"fault": "rate_limit", "retry_delay_ms": 10}]}))
        .send()
        .await
        .unwrap();
    assert!(queued.status().is_success());

    let accepted: Value = harness
        .http
        .post(format!("{api}/api/v1/experiments/run-async"))
        .header("X-API-Key", API_KEY)
        .json(&json!({"dataset_name": SAMPLE, "sample_size": 3,
                      "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0.0}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run = RunId::parse(accepted["run_id"].as_str().expect("a run id")).unwrap();
    harness.wait_final(&run, Duration::from_secs(60)).await;
    let (scheduler_url, stop_scheduler) = scheduler_metrics(&harness).await;

    let api_text = scrape(&harness.http, &format!("{api}/metrics")).await;
    let worker_text = scrape(&harness.http, &worker_url).await;
    let scheduler_text = scrape(&harness.http, &scheduler_url).await;
    assert!(
        api_text.contains("tally_workers_alive 1"),
        "the one worker is alive:\n{api_text}"
    );
    assert!(
        worker_text.contains("tally_worker_rate_limited_total{model=\"gemini-2.5-flash\"} 1"),
        "the 429 is counted:\n{worker_text}"
    );
    let exported: BTreeSet<String> = [&api_text, &worker_text, &scheduler_text]
        .iter()
        .flat_map(|text| exported_names(text))
        .collect();
    let missing: Vec<String> = referenced
        .iter()
        .filter(|(name, _)| !exported.contains(name))
        .map(|(name, file)| format!("{name} (in deploy/{file})"))
        .collect();
    assert!(
        missing.is_empty(),
        "named by the deployment files but exported by no daemon: {missing:#?}\nexported: {exported:#?}"
    );

    let _ = stop_scheduler.send(());
    harness.cleanup().await;
}

#[test]
fn names_are_read_whole_and_recording_rules_are_not_metrics() {
    let names = metric_names_in(
        "rate(tally_worker_records_total{x=\"1\"}[5m]) / tally:ratio:rate5m + my_tally_x tally_redis_up",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["tally_redis_up", "tally_worker_records_total"]
    );
    assert_eq!(
        exported_names("# HELP a b\na_total{x=\"y\"} 1\nb 2\n")
            .into_iter()
            .collect::<Vec<_>>(),
        ["a_total", "b"]
    );
}

#[test]
fn the_dashboard_is_json_and_every_panel_queries_prometheus() {
    let path = deploy_dir().join("grafana/tally-dashboard.json");
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let panels = dashboard["panels"].as_array().expect("panels");
    let queries: Vec<&Value> = panels
        .iter()
        .filter(|panel| panel["type"] != "row")
        .collect();
    assert!(queries.len() >= 10, "{} panels", queries.len());
    for panel in queries {
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{}", panel["title"]);
        for target in targets {
            assert!(
                target["expr"]
                    .as_str()
                    .is_some_and(|e| e.contains("tally_")),
                "{}: {target}",
                panel["title"]
            );
            assert_eq!(target["datasource"]["uid"], "${datasource}");
        }
    }
}
