//! A measurement, not a check (ignored): the peak resident memory of one
//! `tally-worker` process running a batch experiment of 5,000 records — the
//! sample's ten records repeated under new ids, three PNG pages each, about
//! 1.35 GB of request JSON in six parts sent as files — against the emulator and
//! Redis. The peak is the process's `VmHWM` (what `/usr/bin/time -v` reports as
//! its maximum resident set size), read once the run is final. BENCHMARKS.md
//! ("Batch mode: a worker's memory") quotes it. Run it alone:
//!
//!     cargo test -p tally-worker --test batch_memory -- --ignored --nocapture
//!
//! `TALLY_WORKER_BIN` measures another build of the worker.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tally_core::contract::RunStatus;
use tally_core::dataset::DataDir;
use tally_test_support::child::ChildGuard;
use tally_test_support::pipeline::{Harness, SAMPLE, repo_datasets, request_for};

const COPIES: usize = 500;
const DATASET: &str = "batch-memory-5000";

/// A data folder whose `DATASET` holds the sample's records `COPIES` times over
/// (same pages: the emulator, indexing the sample alone, answers every copy).
fn repeated_sample(root: &Path) {
    let from = repo_datasets().join(SAMPLE);
    let to = root.join(DATASET);
    for entry in walk(&from.join("images")) {
        let target = to.join(entry.strip_prefix(&from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, target).unwrap();
    }
    let records: Vec<Value> = std::fs::read_to_string(from.join("records.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let mut text = String::new();
    for copy in 0..COPIES {
        for record in &records {
            let mut record = record.clone();
            record["id"] = json!(format!("{}-c{copy}", record["id"].as_str().unwrap()));
            text.push_str(&record.to_string());
            text.push('\n');
        }
    }
    std::fs::write(to.join("records.jsonl"), text).unwrap();
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement of minutes over 1.35 GB of requests, not a check"]
async fn peak_memory_of_a_worker_running_a_5000_record_batch() {
    let dir = tempfile::tempdir().unwrap();
    repeated_sample(dir.path());
    let harness = Harness::start("batch-memory", 0).await;
    tally_store::import(&harness.store, &DataDir::open(dir.path()).unwrap(), DATASET)
        .await
        .unwrap();
    harness
        .patch_emulator(json!({"batch": {"pending_ms": 200, "running_ms": 400}}))
        .await;
    let binary = std::env::var("TALLY_WORKER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_tally-worker").to_string());
    let mut worker = ChildGuard::new(
        harness
            .worker_process(&binary, "measured")
            .env("TALLY_DATA_DIR", dir.path())
            .spawn()
            .expect("the worker binary starts"),
    );
    let run = harness
        .submit(&request_for(
            DATASET,
            r#"[{"model": "gemini-2.5-flash", "temperature": 0.0}]"#,
            r#", "execution": "batch", "raise_errors": false"#,
        ))
        .await;
    let view = harness.wait_final(&run, Duration::from_secs(3600)).await;
    let peak = peak_rss_mib(worker.id());
    let experiment = harness.first_experiment(&run).await;
    let results = harness.store.all_results(&experiment).await.unwrap();
    let failed = results.iter().filter(|r| r.error.is_some()).count();
    let files = harness.developer_api("/v1beta/files?pageSize=100").await;
    let left: Vec<String> = files["files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| format!("{} ({}, {})", f["displayName"], f["source"], f["sizeBytes"]))
        .collect();
    let batches = harness.developer_api("/v1beta/batches?pageSize=100").await;
    let batches = batches["operations"].as_array().map_or(0, Vec::len);
    println!(
        "batch-memory: run {:?}, {} results ({failed} failed), {batches} batches, files left: {left:?}; worker peak RSS {peak} MiB",
        view.status,
        results.len()
    );
    if view.status != RunStatus::Succeeded {
        println!("batch-memory: the run did not succeed: {:?}", view.status);
    }
    worker.kill().expect("SIGKILL");
    worker.wait().unwrap();
    harness.cleanup().await;
}
