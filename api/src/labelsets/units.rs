//! An unpacked archive of scans → the label set's records ("units"), each with its
//! pages in order:
//!
//! - every top-level folder is one unit, named like the folder, its images (at any
//!   depth) in name order;
//! - a loose image at the root belongs to the unit named by its file name up to the
//!   last `_` or `-` before a trailing page number (`unit-a_1.png`, `unit-a_2.png` →
//!   `unit-a`, pages by number); without a page number the file is a unit alone.
//!
//! Unit names follow the dataset name rule (they become record ids and URL
//! segments); every file must be a PNG or JPEG image. Every problem is reported,
//! naming the archive entry.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use tally_core::contract::DatasetName;
use tally_core::dataset::Problem;

/// A unit's id and its pages, relative to the unpacked folder (`/`-separated).
pub type Unit = (String, Vec<String>);

pub fn units(folder: &Path) -> Result<Vec<Unit>, Vec<Problem>> {
    let mut files = Vec::new();
    collect(folder, "", &mut files);
    files.sort();
    let mut problems = Vec::new();
    // Unit → its pages as (page number, path), sorted by number then name.
    let mut grouped: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for path in files {
        if !is_png_or_jpeg(&folder.join(&path)) {
            problems.push(Problem::in_file(
                &path,
                "is not a PNG or JPEG image; a label set's archive holds only page images",
            ));
            continue;
        }
        let (unit, order) = match path.split_once('/') {
            Some((top, _)) => (top.to_string(), 0),
            None => loose_unit(&path),
        };
        if let Err(e) = DatasetName::parse(&unit) {
            problems.push(Problem::in_file(
                &path,
                format!("its unit name {unit:?} cannot be a record id: {e}"),
            ));
            continue;
        }
        grouped.entry(unit).or_default().push((order, path));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if grouped.is_empty() {
        return Err(vec![Problem::in_file(
            ".",
            "the archive holds no page images (PNG or JPEG)",
        )]);
    }
    Ok(grouped
        .into_iter()
        .map(|(unit, mut pages)| {
            pages.sort();
            (unit, pages.into_iter().map(|(_, path)| path).collect())
        })
        .collect())
}

/// Every file under `folder`, relative (the unpacker admitted only files and folders).
fn collect(folder: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(&entry.path(), &relative, out),
            Ok(kind) if kind.is_file() => out.push(relative),
            _ => {}
        }
    }
}

/// The unit of a loose file and its page number: `unit-a_2.png` → `unit-a`, page 2.
fn loose_unit(file: &str) -> (String, u64) {
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let digits = stem.len() - stem.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, number) = stem.split_at(stem.len() - digits);
    match (head.strip_suffix(['_', '-']), number.parse::<u64>()) {
        (Some(unit), Ok(page)) if !unit.is_empty() => (unit.to_string(), page),
        _ => (stem.to_string(), 0),
    }
}

fn is_png_or_jpeg(path: &Path) -> bool {
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && (head == *b"\x89PNG" || head[..3] == [0xFF, 0xD8, 0xFF])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_files_group_by_the_name_before_the_page_number() {
        assert_eq!(loose_unit("unit-a_2.png").0, "unit-a");
        assert_eq!(loose_unit("unit-a_2.png").1, 2);
        assert_eq!(loose_unit("unit-b-10.jpg").0, "unit-b");
        assert_eq!(loose_unit("single.png").0, "single");
        assert_eq!(loose_unit("2024.png").0, "2024");
    }
}
