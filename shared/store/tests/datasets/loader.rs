//! The validator: a good folder loads; each kind of bad record is reported with its
//! line number, and all of them at once.

use serde_json::json;
use tally_core::dataset::{Problem, load};

use super::support::{good_folder, png_bytes, record, write_folder};

fn problems_of(folder: &std::path::Path) -> Vec<Problem> {
    load(folder).expect_err("the folder should be rejected")
}

/// Asserts that exactly one problem is reported, on `line`, mentioning `fragment`.
fn assert_one_problem(problems: &[Problem], line: usize, fragment: &str) {
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].file, "records.jsonl");
    assert_eq!(problems[0].line, Some(line), "{problems:#?}");
    assert!(
        problems[0].message.contains(fragment),
        "{:?} lacks {fragment:?}",
        problems[0].message
    );
}

/// A folder whose line 1 is good and line 2 is `bad`.
fn with_second_line(root: &std::path::Path, bad: String, images: &[&str]) -> std::path::PathBuf {
    let mut all_images = vec!["images/1.png"];
    all_images.extend_from_slice(images);
    write_folder(
        root,
        "set",
        &[record("unit-1", "images/1.png", 300).to_string(), bad],
        &all_images,
    )
}

#[test]
fn a_good_folder_loads_with_a_stable_content_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = good_folder(tmp.path(), "set", 300);
    let dataset = load(&folder).unwrap();
    assert_eq!(dataset.records.len(), 2);
    assert_eq!(dataset.records[1].id, "unit-2");
    assert_eq!(load(&folder).unwrap().content_hash, dataset.content_hash);

    // The same content elsewhere, written with other whitespace, hashes the same.
    let copy = good_folder(tmp.path(), "copy", 300);
    let spaced: Vec<String> = std::fs::read_to_string(copy.join("records.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(l).unwrap())
                .unwrap()
                .replace('\n', " ")
        })
        .collect();
    std::fs::write(copy.join("records.jsonl"), spaced.join("\n")).unwrap();
    assert_eq!(load(&copy).unwrap().content_hash, dataset.content_hash);
}

#[test]
fn changed_numbers_or_image_bytes_change_the_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let base = load(&good_folder(tmp.path(), "a", 300))
        .unwrap()
        .content_hash;
    assert_ne!(
        load(&good_folder(tmp.path(), "b", 301))
            .unwrap()
            .content_hash,
        base
    );
    let c = good_folder(tmp.path(), "c", 300);
    std::fs::write(c.join("images/2.png"), png_bytes("other pixels")).unwrap();
    assert_ne!(load(&c).unwrap().content_hash, base);
}

#[test]
fn invalid_json_is_reported_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = with_second_line(tmp.path(), "{\"id\": \"unit-2\",".to_string(), &[]);
    assert_one_problem(&problems_of(&folder), 2, "not valid JSON");
    let trailing = format!("{} {{}}", record("unit-2", "images/1.png", 300));
    let folder = with_second_line(tmp.path(), trailing, &[]);
    assert_one_problem(
        &problems_of(&folder),
        2,
        "not valid JSON: trailing characters",
    );
}

#[test]
fn a_schema_mismatch_names_the_field_path() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bad = record("unit-2", "images/2.png", 300);
    bad["expected_output"][0]["ballot_statistics"]["good_ballots"] = json!("many");
    let folder = with_second_line(tmp.path(), bad.to_string(), &["images/2.png"]);
    assert_one_problem(
        &problems_of(&folder),
        2,
        "expected_output[0].ballot_statistics.good_ballots",
    );

    let mut missing = record("unit-2", "images/2.png", 300);
    missing["expected_output"][0]["form_info"]
        .as_object_mut()
        .unwrap()
        .remove("province");
    let folder = with_second_line(tmp.path(), missing.to_string(), &["images/2.png"]);
    assert_one_problem(&problems_of(&folder), 2, "missing field `province`");

    let mut unknown = record("unit-2", "images/2.png", 300);
    unknown["input"]["pages"] = json!(1);
    let folder = with_second_line(tmp.path(), unknown.to_string(), &["images/2.png"]);
    assert_one_problem(&problems_of(&folder), 2, "unknown field `pages`");
}

#[test]
fn duplicate_ids_point_at_the_first_occurrence() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = with_second_line(
        tmp.path(),
        record("unit-1", "images/2.png", 300).to_string(),
        &["images/2.png"],
    );
    assert_one_problem(
        &problems_of(&folder),
        2,
        "duplicate id \"unit-1\" (first on line 1)",
    );
}

#[test]
fn a_missing_image_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = with_second_line(
        tmp.path(),
        record("unit-2", "images/none.png", 300).to_string(),
        &[],
    );
    assert_one_problem(
        &problems_of(&folder),
        2,
        "\"images/none.png\" does not exist",
    );
}

#[test]
fn a_file_that_is_not_a_png_or_jpeg_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = with_second_line(
        tmp.path(),
        record("unit-2", "images/2.png", 300).to_string(),
        &[],
    );
    std::fs::write(folder.join("images/2.png"), "<svg/>").unwrap();
    assert_one_problem(&problems_of(&folder), 2, "not a PNG or JPEG");
}

#[test]
fn a_jpeg_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = with_second_line(
        tmp.path(),
        record("unit-2", "images/2.jpg", 300).to_string(),
        &[],
    );
    std::fs::write(folder.join("images/2.jpg"), b"\xff\xd8\xff\xe0 jfif").unwrap();
    assert_eq!(load(&folder).unwrap().records.len(), 2);
}

#[test]
fn path_traversal_and_absolute_paths_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret.png"), png_bytes("outside")).unwrap();
    let folder = with_second_line(
        tmp.path(),
        record("unit-2", "../secret.png", 300).to_string(),
        &[],
    );
    assert_one_problem(
        &problems_of(&folder),
        2,
        "uses '..' to leave the dataset folder",
    );

    let absolute = tmp.path().join("secret.png").display().to_string();
    let folder = with_second_line(
        tmp.path(),
        record("unit-2", &absolute, 300).to_string(),
        &[],
    );
    assert_one_problem(&problems_of(&folder), 2, "is absolute");
}

#[test]
fn a_symlink_out_of_the_folder_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret.png"), png_bytes("outside")).unwrap();
    let folder = with_second_line(
        tmp.path(),
        record("unit-2", "images/link.png", 300).to_string(),
        &[],
    );
    std::os::unix::fs::symlink(
        tmp.path().join("secret.png"),
        folder.join("images/link.png"),
    )
    .unwrap();
    assert_one_problem(
        &problems_of(&folder),
        2,
        "is a symlink that leads outside the dataset folder",
    );

    // A symlinked directory that leads out is caught the same way.
    std::fs::create_dir(tmp.path().join("elsewhere")).unwrap();
    std::fs::write(tmp.path().join("elsewhere/p.png"), png_bytes("outside")).unwrap();
    let folder = with_second_line(
        tmp.path(),
        record("unit-2", "dir/p.png", 300).to_string(),
        &[],
    );
    std::os::unix::fs::symlink(tmp.path().join("elsewhere"), folder.join("dir")).unwrap();
    assert_one_problem(
        &problems_of(&folder),
        2,
        "is a symlink that leads outside the dataset folder",
    );
}

#[test]
fn a_symlink_that_stays_inside_is_fine() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = with_second_line(
        tmp.path(),
        record("unit-2", "images/alias.png", 300).to_string(),
        &[],
    );
    std::os::unix::fs::symlink(folder.join("images/1.png"), folder.join("images/alias.png"))
        .unwrap();
    assert!(load(&folder).is_ok());
}

#[test]
fn remote_uris_are_referenced_but_other_schemes_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let mut remote = record("unit-2", "gs://bucket/unit-2/page-1.jpg", 300);
    remote["input"]["image_paths"] = json!(["gs://bucket/p1.jpg", "https://example.org/p2.jpg"]);
    remote["input"]["num_pages"] = json!(2);
    let folder = with_second_line(tmp.path(), remote.to_string(), &[]);
    assert!(load(&folder).is_ok());

    let folder = with_second_line(
        tmp.path(),
        record("unit-2", "ftp://host/p.png", 300).to_string(),
        &[],
    );
    assert_one_problem(&problems_of(&folder), 2, "only gs:// and https://");
}

#[test]
fn num_pages_must_match_the_images() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bad = record("unit-2", "images/2.png", 300);
    bad["input"]["num_pages"] = json!(6);
    let folder = with_second_line(tmp.path(), bad.to_string(), &["images/2.png"]);
    assert_one_problem(
        &problems_of(&folder),
        2,
        "num_pages is 6 but input.image_paths lists 1",
    );
}

#[test]
fn two_reports_of_one_form_type_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bad = record("unit-2", "images/2.png", 300);
    let report = bad["expected_output"][0].clone();
    bad["expected_output"].as_array_mut().unwrap().push(report);
    let folder = with_second_line(tmp.path(), bad.to_string(), &["images/2.png"]);
    assert_one_problem(&problems_of(&folder), 2, "a second Constituency report");
}

#[test]
fn every_bad_line_is_reported_in_one_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let lines = [
        "not json".to_string(),
        record("unit-2", "images/2.png", 300).to_string(),
        record("unit-3", "../x.png", 300).to_string(),
        String::new(),
        record("unit-2", "images/missing.png", 300).to_string(),
    ];
    let folder = write_folder(tmp.path(), "set", &lines, &["images/2.png"]);
    let problems = problems_of(&folder);
    let located: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
    assert_eq!(
        located,
        [Some(1), Some(3), Some(5), Some(5)],
        "{problems:#?}"
    );
    assert!(
        problems[3].message.contains("duplicate id"),
        "{problems:#?}"
    );
}

#[test]
fn a_folder_without_records_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let problems = problems_of(tmp.path());
    assert_eq!(problems[0].file, "records.jsonl");
    assert!(problems[0].message.contains("cannot be read"));

    std::fs::write(tmp.path().join("records.jsonl"), "\n\n").unwrap();
    assert!(
        problems_of(tmp.path())[0]
            .message
            .contains("holds no records")
    );

    let problems = problems_of(&tmp.path().join("absent"));
    assert_eq!(problems[0].file, ".");
}

#[test]
fn a_records_file_that_is_a_link_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = good_folder(tmp.path(), "outside", 300);
    let folder = good_folder(tmp.path(), "set", 300);
    std::fs::remove_file(folder.join("records.jsonl")).unwrap();
    std::os::unix::fs::symlink(outside.join("records.jsonl"), folder.join("records.jsonl"))
        .unwrap();
    let problems = problems_of(&folder);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].file, "records.jsonl");
    assert!(
        problems[0].message.contains("is a symbolic link"),
        "{problems:#?}"
    );
}

#[test]
fn record_ids_with_hidden_characters_or_over_the_limit_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (id, fragment) in [
        ("unit\u{202E}2", "bidirectional-control"),
        ("unit\u{0}2", "control"),
        (&*"u".repeat(201), "longer than 200 characters"),
    ] {
        let folder = with_second_line(tmp.path(), record(id, "images/1.png", 300).to_string(), &[]);
        assert_one_problem(&problems_of(&folder), 2, fragment);
    }
}
