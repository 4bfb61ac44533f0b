//! `generate`, the library's entry point: the folder it writes loads as a dataset,
//! the same options give the same bytes, and an existing folder is kept unless
//! replacing was asked for.

use std::path::Path;

use tally_core::dataset::{DatasetName, RECORDS_FILE, load};
use tally_synth::{Generated, OutputError, SynthError, SynthOptions};

fn options(out: &Path, seed: u64) -> SynthOptions {
    SynthOptions {
        name: DatasetName::parse("demo").unwrap(),
        units: 12,
        seed,
        out: out.to_path_buf(),
        images: None,
        degradation: tally_synth::Degradation::Clean,
        anomalies: 0.25,
        replace: false,
    }
}

#[test]
fn the_same_options_give_the_same_records_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let generated = tally_synth::generate(&options(&a, 3)).unwrap();
    assert_eq!(
        generated,
        Generated {
            path: a.clone(),
            bytes: std::fs::metadata(a.join(RECORDS_FILE)).unwrap().len(),
            records: 12,
            pages: 0,
        }
    );
    tally_synth::generate(&options(&b, 3)).unwrap();
    tally_synth::generate(&options(&c, 4)).unwrap();
    let records = |folder: &Path| std::fs::read(folder.join(RECORDS_FILE)).unwrap();
    assert_eq!(records(&a), records(&b));
    assert_ne!(records(&a), records(&c));
    let dataset = load(&a).unwrap_or_else(|problems| panic!("{problems:#?}"));
    assert_eq!(dataset.records.len(), 12);
    assert_eq!(dataset.records[0].id, "unit-01");
    assert_eq!(
        dataset.records[0].metadata["scan_quality"],
        serde_json::Value::Null
    );
}

#[test]
fn an_existing_folder_is_replaced_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let refused = tally_synth::generate(&options(&out, 7)).unwrap_err();
    assert!(
        matches!(refused, SynthError::Output(OutputError::Exists(_))),
        "{refused:?}"
    );
    assert!(out.join("keep.txt").exists(), "the folder is untouched");

    let replace = SynthOptions {
        replace: true,
        ..options(&out, 7)
    };
    tally_synth::generate(&replace).unwrap();
    assert!(!out.join("keep.txt").exists());
    assert!(out.join(RECORDS_FILE).exists());
}

#[test]
fn degraded_pages_are_reproducible_and_keep_the_numbers() {
    use tally_synth::{Degradation, ScanQuality};
    let tmp = tempfile::tempdir().unwrap();
    let write = |dir: &str, images, degradation| {
        let out = tmp.path().join(dir);
        let options = SynthOptions {
            units: 1,
            images,
            degradation,
            anomalies: 0.0,
            ..options(&out, 7)
        };
        tally_synth::generate(&options).unwrap();
        let page = std::fs::read(out.join("images/unit-01/page-1.png")).ok();
        (page, load(&out).unwrap().records)
    };
    let (heavy, heavy_records) = write("heavy-a", Some(ScanQuality::Good), Degradation::Heavy);
    let (again, _) = write("heavy-b", Some(ScanQuality::Good), Degradation::Heavy);
    let (_, plain_records) = write("plain", None, Degradation::Clean);
    assert!(heavy.is_some());
    assert_eq!(heavy, again, "the same seed degrades the same way");
    assert_eq!(
        heavy_records[0].expected_output,
        plain_records[0].expected_output
    );
    assert_eq!(heavy_records[0].metadata["degradation"], "heavy");
    assert!(!plain_records[0].metadata.contains_key("degradation"));
}
