//! The scheduler logs through the telemetry setup every daemon shares: started with
//! `TALLY_LOG_FORMAT=json`, every line it writes is one JSON object.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;
use tally_test_support::child::ChildGuard;
use tally_test_support::namespace::{TestNamespace, redis_url};

#[test]
fn json_log_format_writes_one_json_object_per_line() {
    let namespace = TestNamespace::new("sched-logs");
    let mut scheduler = ChildGuard::new(
        Command::new(env!("CARGO_BIN_EXE_tally-scheduler"))
            .env("TALLY_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env("TALLY_REDIS_URL", redis_url())
            .env("TALLY_NAMESPACE", namespace.namespace().to_string())
            .env("TALLY_METRICS_LISTEN", "127.0.0.1:0")
            .env_remove("TALLY_SCHEDULES_FILE")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tally-scheduler starts"),
    );
    let stderr = scheduler.stderr.take().expect("piped stderr");
    // Up to the line that says the scheduler is running; a scheduler that fails to
    // start closes stderr, ending the loop without that line.
    let mut lines = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("a log line");
        let started = line.contains("tally-scheduler started");
        lines.push(line);
        if started {
            break;
        }
    }
    assert!(
        lines
            .iter()
            .any(|line| line.contains("tally-scheduler started")),
        "the scheduler did not start: {lines:#?}"
    );
    for line in &lines {
        let object: Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line}"));
        assert!(object["level"].is_string(), "{line}");
        assert!(object["message"].is_string(), "{line}");
    }
}
