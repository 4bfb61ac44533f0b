//! Measurement, not a check (run it on purpose, in release):
//!
//!     cargo test --release -p tally-cli --test large_dataset -- --ignored --nocapture
//!
//! Generates 10,000 records without images, then times validating the folder,
//! importing it into Redis, and reading the first N records of the version back.

use std::process::Command;
use std::time::Instant;

use tally_core::dataset::{DataDir, load};
use tally_store::ApiStore;
use tally_test_support::namespace::TestNamespace;

const RECORDS: u32 = 10_000;

#[tokio::test]
#[ignore = "a measurement; run with --ignored --nocapture"]
async fn load_and_sample_ten_thousand_records() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("big");
    let status = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args([
            "dataset",
            "synth",
            "--name",
            "big",
            "--no-images",
            "--units",
            &RECORDS.to_string(),
        ])
        .arg("--out")
        .arg(&folder)
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::metadata(folder.join("records.jsonl"))
        .unwrap()
        .len();
    println!(
        "records.jsonl: {RECORDS} records, {:.1} MB",
        bytes as f64 / 1e6
    );

    let started = Instant::now();
    let dataset = load(&folder).unwrap();
    println!("load + validate + hash: {:?}", started.elapsed());
    assert_eq!(dataset.records.len(), RECORDS as usize);

    let namespace = TestNamespace::new("large-dataset");
    let store = ApiStore::connect(&namespace.store_settings())
        .await
        .unwrap();
    let data_dir = DataDir::open(tmp.path()).unwrap();

    let started = Instant::now();
    let outcome = tally_store::import(&store, &data_dir, "big").await.unwrap();
    println!("import (load + store): {:?}", started.elapsed());

    let started = Instant::now();
    let again = tally_store::import(&store, &data_dir, "big").await.unwrap();
    println!("re-import of identical content: {:?}", started.elapsed());
    assert!(!again.created);

    for n in [Some(100), Some(1_000), None] {
        let started = Instant::now();
        let records = store
            .dataset_records(&outcome.name, outcome.version, n)
            .await
            .unwrap()
            .unwrap();
        println!("sample first {:>6}: {:?}", records.len(), started.elapsed());
    }
}
