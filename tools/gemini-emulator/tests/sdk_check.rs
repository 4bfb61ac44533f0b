//! Google's own Python SDK against the emulator: `sdk-check/run.sh` makes (or reuses)
//! a venv with the pinned google-genai under the target directory, starts this
//! crate's binary on a free loopback port and runs `sdk-check/check.py`, which asks
//! for an extraction, meets a per-minute, a per-day and a contention 429, then
//! creates, polls, lists, reads, cancels and deletes batches, and runs a batch from
//! a JSONL file it uploads (files.upload, files.download of the responses file,
//! files.list, files.delete). If the SDK cannot read
//! what the emulator answers, or reads another kind of 429 than the one meant, the
//! emulator is wrong.

use std::process::Command;

#[test]
fn google_genai_reads_answers_usage_both_kinds_of_429_batches_and_files() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/sdk-check/run.sh");
    let venv = concat!(env!("CARGO_TARGET_TMPDIR"), "/genai-venv");
    let output = Command::new("bash")
        .arg(script)
        .env("GEMINI_EMULATOR_BIN", env!("CARGO_BIN_EXE_gemini-emulator"))
        .env("GENAI_VENV", venv)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the google-genai check failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("sdk-check: ok"), "{stdout}\n{stderr}");
}
