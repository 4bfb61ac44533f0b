//! The emulator logs through the telemetry setup every daemon shares: started with
//! `TALLY_LOG_FORMAT=json`, every line it writes is one JSON object.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;
use tally_test_support::child::ChildGuard;

#[test]
fn json_log_format_writes_one_json_object_per_line() {
    let mut emulator = ChildGuard::new(
        Command::new(env!("CARGO_BIN_EXE_gemini-emulator"))
            .env("TALLY_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env("EMULATOR_LISTEN", "127.0.0.1:0")
            .env_remove("EMULATOR_CONFIG")
            .env_remove("EMULATOR_DATASETS")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gemini-emulator starts"),
    );
    let stderr = emulator.stderr.take().expect("piped stderr");
    // Up to the line that says it listens; an emulator that fails to start closes
    // stderr, ending the loop without that line.
    let mut lines = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("a log line");
        let listening = line.contains("gemini-emulator listening");
        lines.push(line);
        if listening {
            break;
        }
    }
    assert!(
        lines
            .iter()
            .any(|line| line.contains("gemini-emulator listening")),
        "the emulator did not start: {lines:#?}"
    );
    for line in &lines {
        let object: Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line}"));
        assert!(object["level"].is_string(), "{line}");
        assert!(object["message"].is_string(), "{line}");
    }
}
