//! `tally dataset synth`, run as the real binary: its folders load as valid
//! datasets, the same seed gives the same bytes, and failures say why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tally_core::dataset::load;

fn synth(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["dataset", "synth", "--name", "demo", "--out"];
    let out = out.to_str().unwrap();
    args.push(out);
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(&args)
        .output()
        .unwrap()
}

fn synth_ok(out: &Path, extra: &[&str]) {
    let output = synth(out, extra);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `folder`, by relative path, with its bytes.
fn files(folder: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.insert(
                    path.strip_prefix(folder).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    found
}

#[test]
fn the_same_seed_gives_byte_identical_folders_that_load() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        synth_ok(
            out,
            &[
                "--units",
                "1",
                "--seed",
                "11",
                "--scan-quality",
                "poor",
                "--anomalies",
                "1",
            ],
        );
    }
    let (files_a, files_b) = (files(&a), files(&b));
    assert_eq!(
        files_a.keys().collect::<Vec<_>>(),
        files_b.keys().collect::<Vec<_>>()
    );
    assert!(files_a == files_b, "the two runs differ");
    assert!(
        files_a
            .keys()
            .any(|p| p.extension().is_some_and(|e| e == "png"))
    );

    let dataset = load(&a).unwrap_or_else(|problems| panic!("{problems:#?}"));
    let record = &dataset.records[0];
    assert_eq!(record.expected_output.len(), 2);
    assert_eq!(
        record.input.num_pages as usize,
        record.input.image_paths.len()
    );
    assert!(record.input.num_pages >= 2);
    assert_eq!(record.metadata["synthetic"], true);
    assert_eq!(
        record.metadata["anomaly"]["kind"],
        "ballots_used_differs_from_voters_present"
    );
}

#[test]
fn numbers_do_not_depend_on_whether_images_are_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    let (with, without) = (tmp.path().join("with"), tmp.path().join("without"));
    synth_ok(&with, &["--units", "1", "--scan-quality", "clean"]);
    synth_ok(&without, &["--units", "40", "--no-images"]);
    let with = load(&with).unwrap();
    let without = load(&without).unwrap();
    assert_eq!(
        with.records[0].expected_output,
        without.records[0].expected_output
    );
    assert_eq!(without.records.len(), 40);
    assert!(
        without
            .records
            .iter()
            .all(|r| r.input.image_paths.is_empty())
    );
    assert_eq!(without.records[39].id, "unit-40");
}

#[test]
fn another_seed_gives_other_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    synth_ok(
        &tmp.path().join("s1"),
        &["--units", "3", "--no-images", "--seed", "1"],
    );
    synth_ok(
        &tmp.path().join("s2"),
        &["--units", "3", "--no-images", "--seed", "2"],
    );
    let read = |name| std::fs::read(tmp.path().join(name).join("records.jsonl")).unwrap();
    assert_ne!(read("s1"), read("s2"));
}

#[test]
fn an_existing_folder_is_kept_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("set");
    synth_ok(&out, &["--units", "2", "--no-images"]);
    let output = synth(&out, &["--units", "3", "--no-images"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists; pass --force"));
    assert_eq!(load(&out).unwrap().records.len(), 2);

    synth_ok(&out, &["--units", "3", "--no-images", "--force"]);
    assert_eq!(load(&out).unwrap().records.len(), 3);
    // No staging folder is left next to it.
    let siblings: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, ["set"]);
}

#[test]
fn bad_arguments_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let stderr = |extra: &[&str]| String::from_utf8_lossy(&synth(&out, extra).stderr).to_string();
    assert!(stderr(&["--anomalies", "1.5"]).contains("not between 0 and 1"));
    assert!(stderr(&["--units", "0"]).contains("--units"));
    assert!(stderr(&["--scan-quality", "great"]).contains("possible values: clean, good, poor"));
    let output = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["dataset", "synth", "--name", "bad:name", "--no-images"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("invalid value 'bad:name' for '--name <NAME>': may only contain")
    );
    assert!(!out.exists());
}
