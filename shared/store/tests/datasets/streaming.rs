//! Folders larger than one batch: validated line by line and stored a batch at a
//! time, with the content hash of the in-memory loader, and nothing left behind when
//! a later block fails.

use std::path::{Path, PathBuf};

use tally_core::dataset::{DataDir, DatasetName, load, validate_folder};
use tally_store::{ImportError, import, load_folder, register};

use super::support::{TestStore, record, write_folder};

/// More records than one batch read or staged (1,024), so a late line is in a
/// later block than the ones already staged.
const RECORDS: usize = 2_500;
/// The line made bad: well after the first two batches.
const LATE_LINE: usize = 2_300;

fn lines() -> Vec<String> {
    (1..=RECORDS)
        .map(|n| record(&format!("unit-{n}"), "images/p.png", 300).to_string())
        .collect()
}

fn large_folder(root: &Path, relative: &str) -> PathBuf {
    write_folder(root, relative, &lines(), &["images/p.png"])
}

/// Only the staging sequence counter may exist: no version, no blocks, no staging list.
async fn assert_nothing_stored(test: &TestStore) {
    let counter = test.store.keys().dataset_staging_seq();
    let left: Vec<String> = test
        .keys()
        .await
        .into_iter()
        .filter(|key| *key != counter)
        .collect();
    assert_eq!(left, Vec::<String>::new());
}

#[test]
fn the_streamed_validation_hashes_as_the_in_memory_loader() {
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/vote-extraction-bangbamru-1-10");
    let streamed = validate_folder(&sample).unwrap();
    // The sample's hash before folders were validated line by line.
    assert_eq!(
        streamed.content_hash.as_str(),
        "sha256:a90bfd4c7e6eeb811d87b0ad9323baabdcfeb1c9c6a6e175306a207fef5685a6"
    );
    assert_eq!(streamed.content_hash, load(&sample).unwrap().content_hash);
    assert_eq!(streamed.records, 10);

    let tmp = tempfile::tempdir().unwrap();
    let folder = large_folder(tmp.path(), "large");
    let streamed = validate_folder(&folder).unwrap();
    let loaded = load(&folder).unwrap();
    assert_eq!(streamed.content_hash, loaded.content_hash);
    assert_eq!(streamed.records, loaded.records.len() as u64);
}

#[tokio::test]
async fn a_large_folder_is_stored_whole_and_in_order() {
    let test = TestStore::new("stream-large").await;
    let tmp = tempfile::tempdir().unwrap();
    large_folder(tmp.path(), "large");
    let data_dir = DataDir::open(tmp.path()).unwrap();

    let imported = import(&test.store, &data_dir, "large").await.unwrap();
    assert_eq!(imported.size, RECORDS as u64);
    let name = DatasetName::parse("large").unwrap();
    let records = test
        .store
        .dataset_records(&name, imported.version, None)
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let expected: Vec<String> = (1..=RECORDS).map(|n| format!("unit-{n}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(
        records[RECORDS - 1].input.image_paths,
        ["large/images/p.png"]
    );
}

#[tokio::test]
async fn an_invalid_line_in_a_later_block_stores_nothing() {
    let test = TestStore::new("stream-invalid").await;
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = lines();
    lines[LATE_LINE - 1] = record("unit-x", "../outside.png", 300).to_string();
    write_folder(tmp.path(), "bad", &lines, &["images/p.png"]);
    let data_dir = DataDir::open(tmp.path()).unwrap();

    let Err(ImportError::Invalid(problems)) = import(&test.store, &data_dir, "bad").await else {
        panic!("expected the folder to be rejected");
    };
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].line, Some(LATE_LINE));
    assert_nothing_stored(&test).await;
}

#[tokio::test]
async fn a_file_that_changes_after_validation_leaves_no_version_and_no_staging() {
    let test = TestStore::new("stream-changed").await;
    let tmp = tempfile::tempdir().unwrap();
    let folder = large_folder(tmp.path(), "changing");
    let data_dir = DataDir::open(tmp.path()).unwrap();
    let validated = load_folder(folder.clone()).await.unwrap();

    // Between the two readings, a line in a later block stops being a record.
    let mut lines = lines();
    lines[LATE_LINE - 1] = "{\"id\": \"unit-broken\"".to_string();
    std::fs::write(folder.join("records.jsonl"), lines.join("\n") + "\n").unwrap();
    let name = DatasetName::parse("changing").unwrap();
    let outcome = register(&test.store, &data_dir, &name, validated.clone()).await;
    assert!(
        matches!(outcome, Err(ImportError::Changed(_))),
        "{outcome:?}"
    );
    assert_nothing_stored(&test).await;

    // A valid record that differs from the one validated is caught too.
    let mut lines = self::lines();
    lines[LATE_LINE - 1] = record(&format!("unit-{LATE_LINE}"), "images/p.png", 301).to_string();
    std::fs::write(folder.join("records.jsonl"), lines.join("\n") + "\n").unwrap();
    let outcome = register(&test.store, &data_dir, &name, validated).await;
    assert!(
        matches!(outcome, Err(ImportError::Changed(_))),
        "{outcome:?}"
    );
    assert_nothing_stored(&test).await;
}
