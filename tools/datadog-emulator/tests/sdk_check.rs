//! Datadog's own Python SDK against the emulator: `sdk-check/run.sh` makes (or
//! reuses) a venv with the pinned ddtrace under the target directory, starts this
//! crate's binary on a free loopback port and runs `sdk-check/check.py`, which
//! creates a dataset, pulls it, runs an experiment and reads every record's span
//! and evaluations back through the SDK. If ddtrace cannot read what it wrote, the
//! emulator is wrong.

use std::process::Command;

#[test]
fn ddtrace_reads_back_its_dataset_and_experiment() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/sdk-check/run.sh");
    let venv = concat!(env!("CARGO_TARGET_TMPDIR"), "/ddtrace-venv");
    let output = Command::new("bash")
        .arg(script)
        .env(
            "DATADOG_EMULATOR_BIN",
            env!("CARGO_BIN_EXE_datadog-emulator"),
        )
        .env("DDTRACE_VENV", venv)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the ddtrace check failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("sdk-check: ok"), "{stdout}\n{stderr}");
}
