//! The shipped sample dataset is valid and is what the README's command generates.

use std::path::PathBuf;
use std::process::Command;

use tally_core::dataset::load;

const SAMPLE: &str = "vote-extraction-bangbamru-1-10";

fn sample_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("datasets")
        .join(SAMPLE)
}

#[test]
fn the_sample_loads_and_is_marked_synthetic() {
    let dataset = load(&sample_folder()).unwrap_or_else(|problems| panic!("{problems:#?}"));
    assert_eq!(dataset.records.len(), 10);
    for record in &dataset.records {
        assert_eq!(record.expected_output.len(), 2, "{}", record.id);
        assert_eq!(record.metadata["synthetic"], true);
        assert_eq!(record.input.num_pages, 3);
    }
}

#[test]
fn the_sample_ground_truth_is_what_the_generator_makes_from_seed_7() {
    // Images depend on the installed font files; the numbers do not, so compare
    // those with a run that skips the images.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join(SAMPLE);
    let status = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args([
            "dataset",
            "synth",
            "--name",
            SAMPLE,
            "--units",
            "10",
            "--seed",
            "7",
            "--no-images",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let shipped = load(&sample_folder()).unwrap();
    let regenerated = load(&out).unwrap();
    let truth = |records: &[tally_core::dataset::DatasetRecord]| {
        records
            .iter()
            .map(|r| (r.id.clone(), r.expected_output.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(truth(&shipped.records), truth(&regenerated.records));
}
