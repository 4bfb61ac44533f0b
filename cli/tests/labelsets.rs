//! `tally labelset …` against a real tally-api, a real worker and gemini-emulator on
//! loopback, in a Redis namespace of its own: a label set created from an archive
//! of the sample's pages, listed, pre-filled by a run, labelled by two people over
//! HTTP (as the workbench does), shown with its disagreement, and published; each
//! command also refused once, with the server's reason.

use std::path::Path;
use std::process::Output;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use tally_test_support::pipeline::{API_KEY, API_KEY_NAME, Harness, SAMPLE, repo_datasets};

mod common;

use common::{describe, tally_as, text};

const ANNA_KEY: &str = "anna-key-0123456789abcdef";
const BEN_KEY: &str = "ben-key-0123456789abcdef0";

/// Asserts a success and returns standard output.
fn succeeded(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", describe(output));
    text(&output.stdout)
}

/// Asserts exit status 1 with exactly `message` on standard error.
fn refused(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", describe(output));
    assert_eq!(text(&output.stderr), message, "{}", describe(output));
}

/// The folders and files of `dir` as the `.tar.gz` file `archive`.
fn pack_into(dir: &Path, archive: &Path) {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    builder.append_dir_all(".", dir).expect("folder packs");
    let bytes = builder
        .into_inner()
        .expect("tar ends")
        .finish()
        .expect("gzip ends");
    std::fs::write(archive, bytes).expect("archive written");
}

/// The sample's expected reports of `record`.
fn sample_reports(record: &str) -> Value {
    let text = std::fs::read_to_string(repo_datasets().join(SAMPLE).join("records.jsonl"))
        .expect("sample records");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a record"))
        .find(|r| r["id"] == record)
        .expect("the record")["expected_output"]
        .clone()
}

/// A label (or a lease, with `body` `None`) given over HTTP as the workbench does.
async fn post(harness: &Harness, api: &str, key: &str, path: &str, body: Option<Value>) {
    let mut request = harness
        .http
        .post(format!("{api}/api/v1/labelsets/scans{path}"))
        .header("X-API-Key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the API answers");
    let status = response.status();
    assert!(
        status.is_success(),
        "{path}: {status} {}",
        response.text().await.unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_sets_are_created_listed_prefilled_shown_and_published_from_the_command_line() {
    let data = tempfile::tempdir().expect("temp dir");
    let files = tempfile::tempdir().expect("temp dir");
    let images = repo_datasets().join(SAMPLE).join("images");
    let mut harness = Harness::start_with_data("cli-labelsets", 0, &repo_datasets()).await;
    // Label sets' pages go to a data directory of the test's own; the emulator still
    // knows the sample's pages, so the pre-fill run gets its answers.
    harness.data_dir = data.path().to_path_buf();
    harness.start_worker("w").await;
    let keys = format!("{API_KEY_NAME}:{API_KEY},anna:{ANNA_KEY}:runner,ben:{BEN_KEY}:runner");
    let api = harness
        .start_api_with(&[("TALLY_API_KEYS", keys.as_str())])
        .await;
    // The sample's page images, one folder per unit.
    let archive = files.path().join("scans.tar.gz");
    pack_into(&images, &archive);
    let archive = archive.to_str().expect("a UTF-8 path");
    let pages = walk_files(&images);

    // create: the archive's name names the set; a second upload is refused.
    let created = tally_as(&api, ANNA_KEY, &["labelset", "create", archive]).await;
    assert_eq!(
        succeeded(&created),
        format!("label set scans: 10 records, {pages} pages\n")
    );
    let again = tally_as(&api, ANNA_KEY, &["labelset", "create", archive]).await;
    refused(
        &again,
        "tally: 409 conflict: name: a label set named \"scans\" exists already\n",
    );
    // An archive with an entry that is no page image is refused, naming the entry.
    let notes_dir = files.path().join("notes");
    std::fs::create_dir_all(notes_dir.join("unit-01")).expect("a folder");
    std::fs::write(notes_dir.join("unit-01").join("notes.txt"), "not a page").expect("a file");
    let notes = files.path().join("notes.tgz");
    pack_into(&notes_dir, &notes);
    let not_images = tally_as(
        &api,
        ANNA_KEY,
        &["labelset", "create", notes.to_str().expect("a UTF-8 path")],
    )
    .await;
    refused(
        &not_images,
        "tally: 422 invalid_dataset: the label set archive has 1 problem(s); no label set was \
         created\n\
         \x20 - unit-01/notes.txt: is not a PNG or JPEG image; a label set's archive holds only \
         page images\n",
    );

    // list: the set and its counters; a key the server does not know is refused.
    let listed = tally_as(&api, ANNA_KEY, &["labelsets", "list"]).await;
    assert_eq!(
        succeeded(&listed),
        format!(
            "{:<30} 0/10 decided (accepted 0, skipped 0, flagged 0), 0 leased\n",
            "scans"
        )
    );
    let stranger = tally_as(&api, "stranger-key-0123456789", &["labelset", "list"]).await;
    refused(
        &stranger,
        "tally: 401 unauthorized: the X-API-Key is not valid\n",
    );

    // prefill: a bad configuration is refused naming its field; a good one runs.
    let prefill = [
        "labelset",
        "prefill",
        "scans",
        "--model",
        "gemini-2.5-flash",
    ];
    let bad = tally_as(
        &api,
        ANNA_KEY,
        &[&prefill[..], &["--temperature", "5"]].concat(),
    )
    .await;
    assert_eq!(bad.status.code(), Some(1), "{}", describe(&bad));
    let stderr = text(&bad.stderr);
    assert!(
        stderr.starts_with("tally: 422 invalid_request: ")
            && stderr.ends_with("\n  - temperature: must be between 0.0 and 2.0, got 5.0\n"),
        "{}",
        describe(&bad)
    );
    let waited = ["--wait", "--timeout", "120"];
    let prefilled = tally_as(&api, ANNA_KEY, &[&prefill[..], &waited].concat()).await;
    let stdout = succeeded(&prefilled);
    let run_id = stdout
        .strip_prefix("pre-fill run ")
        .and_then(|rest| rest.strip_suffix(": succeeded\n"))
        .unwrap_or_else(|| panic!("{}", describe(&prefilled)))
        .to_string();

    // Two labellers, as the workbench would: Anna accepts two records and flags one;
    // Ben reads one vote count of unit-02 differently and holds unit-04.
    let accept = |reports: Value| {
        Some(json!({"decision": "accept", "reports": reports,
                    "override_reason": "as printed on the form"}))
    };
    for record in ["unit-01", "unit-02"] {
        let path = format!("/records/{record}/label");
        post(
            &harness,
            &api,
            ANNA_KEY,
            &path,
            accept(sample_reports(record)),
        )
        .await;
    }
    let flag = Some(json!({"decision": "flag", "note": "torn"}));
    post(&harness, &api, ANNA_KEY, "/records/unit-03/label", flag).await;
    let mut other = sample_reports("unit-02");
    other[0]["vote_results"][0]["vote_count"] = json!(
        other[0]["vote_results"][0]["vote_count"]
            .as_u64()
            .expect("a count")
            + 1
    );
    post(
        &harness,
        &api,
        BEN_KEY,
        "/records/unit-02/label",
        accept(other),
    )
    .await;
    post(&harness, &api, BEN_KEY, "/next", None).await;

    // show: states, the pre-fill run, labellers, the disagreement at its field.
    let shown = tally_as(&api, ANNA_KEY, &["labelset", "show", "scans"]).await;
    let stdout = succeeded(&shown);
    for line in [
        "label set scans: 10 records, created ".to_string(),
        "  accepted 1, skipped 0, flagged 1, disagreement 1, leased 1, open 6".to_string(),
        format!("  pre-fill run {run_id} (succeeded)"),
        "labellers:".to_string(),
        format!("  {:<24} accepted 2, skipped 0, flagged 1", "anna"),
        format!("  {:<24} accepted 1, skipped 0, flagged 0", "ben"),
        "  unit-02: anna vs ben differ at reports[0].vote_results[0].vote_count".to_string(),
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(&line)),
            "{line:?}: {}",
            describe(&shown)
        );
    }
    let unit_04 = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("unit-04"))
        .unwrap_or_default();
    assert!(
        unit_04.contains(" leased ") && unit_04.contains("leased by ben until 20"),
        "{}",
        describe(&shown)
    );
    let missing = tally_as(&api, ANNA_KEY, &["labelset", "show", "nope"]).await;
    refused(
        &missing,
        "tally: 404 not_found: no label set named \"nope\"\n",
    );

    // publish: a runner may not; an admin publishes the agreed, accepted record.
    let publish = ["labelset", "publish", "scans", "--dataset", "checked"];
    let forbidden = tally_as(&api, ANNA_KEY, &publish).await;
    refused(
        &forbidden,
        "tally: 403 forbidden: this route needs a key with the admin role; this key has the runner role\n",
    );
    let published = tally_as(&api, API_KEY, &publish).await;
    let stdout = succeeded(&published);
    assert!(
        stdout.starts_with(
            "checked version 1 (1 records from label set scans)\n\
             \x20 left out unit-02: labellers disagree\n\
             \x20 left out unit-03: flagged\n\
             \x20 left out unit-04: not labelled\n"
        ),
        "{}",
        describe(&published)
    );
    let shown = tally_as(&api, ANNA_KEY, &["labelset", "show", "scans"]).await;
    let stdout = succeeded(&shown);
    assert!(
        stdout.contains("published:\n  checked version 1 at 20")
            && stdout.contains(&format!(" by {API_KEY_NAME}\n")),
        "{}",
        describe(&shown)
    );
    harness.cleanup().await;
}

/// The number of files under `dir`, at any depth.
fn walk_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("a folder")
        .map(|entry| entry.expect("an entry").path())
        .map(|path| if path.is_dir() { walk_files(&path) } else { 1 })
        .sum()
}
