//! What the tests that run the `tally` binary against a server share: running it
//! with a URL and key in the environment, as CI passes its secrets, and its output
//! described for a failed assertion.

use std::process::Output;

/// Runs `tally args…` against `api` with `key` as `TALLY_API_KEY`.
pub async fn tally_as(api: &str, key: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .env("TALLY_API_URL", api)
        .env("TALLY_API_KEY", key)
        .kill_on_drop(true)
        .output()
        .await
        .expect("tally runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The exit status, standard output and standard error.
pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    )
}
