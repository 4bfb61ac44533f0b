//! Records sit compressed in Redis and read back as they were: the shipped sample
//! takes under a kilobyte per record, and every way a worker or a route reads
//! records (a range, positions, the first N) cuts them out of the right blocks.

use std::path::Path;

use tally_core::dataset::{DataDir, DatasetName, load};
use tally_store::import;
use tally_test_support::namespace::redis_connection;

use super::support::{TestStore, record, write_folder};

/// The target for the sample's records.
const MAX_BYTES_PER_RECORD: u64 = 1024;

#[tokio::test]
async fn the_sample_takes_under_a_kilobyte_per_record_and_reads_back_unchanged() {
    let test = TestStore::new("compact-sample").await;
    let datasets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets");
    let data_dir = DataDir::open(&datasets).unwrap();
    let outcome = import(&test.store, &data_dir, "vote-extraction-bangbamru-1-10")
        .await
        .unwrap();

    let key = test
        .store
        .keys()
        .dataset_blocks(&outcome.name, &outcome.content_hash);
    let bytes: u64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(&key)
        .arg("SAMPLES")
        .arg(0)
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
    let per_record = bytes / outcome.size;
    println!(
        "{} records: {bytes} bytes in Redis, {per_record} per record",
        outcome.size
    );
    assert!(
        per_record <= MAX_BYTES_PER_RECORD,
        "{per_record} bytes per record"
    );

    let on_disk = load(&datasets.join("vote-extraction-bangbamru-1-10")).unwrap();
    let stored = test
        .store
        .dataset_records(&outcome.name, outcome.version, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.len(), on_disk.records.len());
    for (stored, original) in stored.iter().zip(&on_disk.records) {
        assert_eq!(stored.id, original.id);
        assert_eq!(stored.expected_output, original.expected_output);
        assert_eq!(stored.metadata, original.metadata);
    }
}

#[tokio::test]
async fn ranges_and_positions_across_blocks_read_the_right_records() {
    let test = TestStore::new("compact-blocks").await;
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..40)
        .map(|i| record(&format!("unit-{i}"), "p.png", 300).to_string())
        .collect();
    write_folder(tmp.path(), "forty", &lines, &["p.png"]);
    let data_dir = DataDir::open(tmp.path()).unwrap();
    let outcome = import(&test.store, &data_dir, "forty").await.unwrap();
    let name = DatasetName::parse("forty").unwrap();
    let hash = &outcome.content_hash;
    let ids = |records: Vec<tally_core::dataset::DatasetRecord>| {
        records.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    let names =
        |range: std::ops::Range<u32>| range.map(|i| format!("unit-{i}")).collect::<Vec<_>>();

    let range = test
        .store
        .dataset_record_range(&name, hash, 14, 33)
        .await
        .unwrap();
    assert_eq!(ids(range), names(14..33));
    let tail = test
        .store
        .dataset_record_range(&name, hash, 35, 50)
        .await
        .unwrap();
    assert_eq!(ids(tail), names(35..40));
    let at = test
        .store
        .dataset_records_at(&name, hash, &[39, 0, 17, 99, 16])
        .await
        .unwrap();
    assert_eq!(ids(at), ["unit-39", "unit-0", "unit-17", "unit-16"]);
    let first = test
        .store
        .dataset_records(&name, 1, Some(20))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ids(first), names(0..20));
}

#[tokio::test]
async fn a_version_without_blocks_says_so_and_importing_it_again_writes_them() {
    let test = TestStore::new("compact-legacy").await;
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..20)
        .map(|i| record(&format!("unit-{i}"), "p.png", 300).to_string())
        .collect();
    write_folder(tmp.path(), "older", &lines, &["p.png"]);
    let data_dir = DataDir::open(tmp.path()).unwrap();
    let first = import(&test.store, &data_dir, "older").await.unwrap();
    // As a version registered before records were kept in blocks: none there.
    let key = test
        .store
        .keys()
        .dataset_blocks(&first.name, &first.content_hash);
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut redis_connection().await)
        .await
        .unwrap();
    let error = test
        .store
        .dataset_records(&first.name, 1, None)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("holds 0 of the version's 20 records"),
        "{error}"
    );

    let again = import(&test.store, &data_dir, "older").await.unwrap();
    assert!(!again.created);
    assert_eq!(again.version, 1);
    let records = test
        .store
        .dataset_records(&first.name, 1, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(records.len(), 20);
}
