//! Uploads the server refuses before reading their archive — a label set name that
//! is taken, an archive over the size limit, a key without the role, a reserved
//! name — print the server's status, code and reason and exit with status 1, like
//! any other refusal, although the archive is still being sent when the answer
//! comes: each archive here holds 8 MiB of noise or more, far more than loopback's
//! socket buffers hold while the server does not read. Archives under the limit are
//! read to their end by the server after its answer; the one over it is cut off,
//! and its answer is read as soon as it comes.

use std::io::Read;
use std::path::Path;
use std::process::Output;

use flate2::Compression;
use flate2::write::GzEncoder;
use tally_test_support::pipeline::{API_KEY, API_KEY_NAME, Harness, SAMPLE, repo_datasets};

mod common;

use common::{describe, tally_as, text};

const RUNNER_KEY: &str = "runner-key-0123456789abcdef";
const MIB: u64 = 1024 * 1024;
/// 10 MiB.
const ARCHIVE_LIMIT: &str = "10485760";

/// Asserts exit status 1 with exactly `message` on standard error.
fn refused(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", describe(output));
    assert_eq!(text(&output.stderr), message, "{}", describe(output));
}

/// `size` bytes that do not compress, written to `file`.
fn noise(file: &Path, size: u64) {
    let mut bytes = Vec::new();
    std::fs::File::open("/dev/urandom")
        .expect("/dev/urandom")
        .take(size)
        .read_to_end(&mut bytes)
        .expect("random bytes");
    std::fs::write(file, bytes).expect("noise written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_uploads_report_the_servers_answer_while_the_archive_is_still_sent() {
    let data = tempfile::tempdir().expect("temp dir");
    let files = tempfile::tempdir().expect("temp dir");
    let mut harness = Harness::start_empty("cli-upload-refusals", 0, data.path()).await;
    let keys = format!("{API_KEY_NAME}:{API_KEY},runner:{RUNNER_KEY}:runner");
    let api = harness
        .start_api_with(&[
            ("TALLY_API_KEYS", keys.as_str()),
            ("TALLY_UPLOAD_MAX_ARCHIVE_BYTES", ARCHIVE_LIMIT),
        ])
        .await;

    // A label set "scans" of one record, then 8 MiB sent under the same name.
    let pages = repo_datasets().join(SAMPLE).join("images").join("unit-01");
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    builder
        .append_dir_all("unit-01", &pages)
        .expect("folder packs");
    let small = builder
        .into_inner()
        .expect("tar ends")
        .finish()
        .expect("gzip ends");
    let first = files.path().join("scans.tar.gz");
    std::fs::write(&first, small).expect("archive written");
    let created = tally_as(
        &api,
        RUNNER_KEY,
        &["labelset", "create", first.to_str().expect("a UTF-8 path")],
    )
    .await;
    assert_eq!(created.status.code(), Some(0), "{}", describe(&created));
    std::fs::create_dir(files.path().join("large")).expect("a folder");
    let large = files.path().join("large").join("scans.tar.gz");
    noise(&large, 8 * MIB);
    let taken = tally_as(
        &api,
        RUNNER_KEY,
        &["labelset", "create", large.to_str().expect("a UTF-8 path")],
    )
    .await;
    refused(
        &taken,
        "tally: 409 conflict: name: a label set named \"scans\" exists already\n",
    );

    // Dataset folders whose archives are under the limit and over it.
    let folder_of = |name: &str, size: u64| {
        let folder = files.path().join(name);
        std::fs::create_dir(&folder).expect("a folder");
        std::fs::write(folder.join("records.jsonl"), "{}\n").expect("records written");
        noise(&folder.join("noise.bin"), size);
        folder.to_str().expect("a UTF-8 path").to_string()
    };
    let over = folder_of("over", 12 * MIB);
    let too_large = tally_as(&api, API_KEY, &["dataset", "push", &over]).await;
    refused(
        &too_large,
        &format!(
            "tally: 413 payload_too_large: request body is larger than the limit of \
             {ARCHIVE_LIMIT} bytes\n"
        ),
    );
    // Refused by the role check, before the route.
    let folder = &folder_of("under", 8 * MIB);
    let forbidden = tally_as(&api, RUNNER_KEY, &["dataset", "push", folder]).await;
    refused(
        &forbidden,
        "tally: 403 forbidden: this route needs a key with the admin role; \
         this key has the runner role\n",
    );
    // Refused on the query parameter.
    let reserved = tally_as(
        &api,
        API_KEY,
        &["dataset", "push", folder, "--name", "labelset.noisy"],
    )
    .await;
    let reason = "name: names beginning with \"labelset.\" are reserved for label sets' \
                  pre-fill runs";
    refused(
        &reserved,
        &format!("tally: 422 invalid_request: {reason}\n  - {reason}\n"),
    );
    harness.cleanup().await;
}
