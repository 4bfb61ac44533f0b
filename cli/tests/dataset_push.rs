//! `tally dataset push DIR` against a real tally-api: the folder packed and uploaded
//! is the version the server would import from the same folder, pushing it again
//! finds that version, and a bad folder is refused with its file and line.

use std::process::Output;

use tally_core::dataset::load;
use tally_test_support::pipeline::{API_KEY, Harness, SAMPLE, repo_datasets};

async fn tally(api: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .env("TALLY_API_URL", api)
        .env("TALLY_API_KEY", API_KEY)
        .kill_on_drop(true)
        .output()
        .await
        .expect("tally runs")
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_uploads_a_folder_as_the_version_its_import_would_be() {
    // The server's data directory starts empty: the push brings the dataset in.
    let data = tempfile::tempdir().unwrap();
    let mut harness = Harness::start_empty("cli-push", 10, data.path()).await;
    let api = harness.start_api().await;
    let folder = repo_datasets().join(SAMPLE);
    let hash = load(&folder).unwrap().content_hash;
    let folder_arg = folder.to_str().unwrap();

    let pushed = tally(&api, &["dataset", "push", folder_arg]).await;
    assert!(pushed.status.success(), "{}", describe(&pushed));
    let expected = format!("{SAMPLE} version 1 (10 records, {hash})\n");
    assert_eq!(String::from_utf8_lossy(&pushed.stdout), expected);
    let again = tally(&api, &["dataset", "push", folder_arg, "--name", SAMPLE]).await;
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        expected,
        "{}",
        describe(&again)
    );
    let listed = tally(&api, &["dataset", "list"]).await;
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("latest v1 (10 records)"),
        "{}",
        describe(&listed)
    );

    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("records.jsonl"), "{\"id\": \"a\"}\n").unwrap();
    let refused = tally(
        &api,
        &[
            "dataset",
            "push",
            bad.path().to_str().unwrap(),
            "--name",
            "bad",
        ],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("422 invalid_dataset") && stderr.contains("records.jsonl:1:"),
        "{}",
        describe(&refused)
    );
    harness.cleanup().await;
}
