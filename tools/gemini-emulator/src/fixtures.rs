//! Sample data for tests and benchmarks (here and in other crates): small real PNGs
//! and a dataset folder whose records have known answers that add up.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tally_core::dataset::DatasetRecord;

/// A valid grayscale PNG whose pixels depend on `seed` (distinct seeds → distinct
/// bytes → distinct image hashes).
pub fn png(seed: u32) -> Vec<u8> {
    let (width, height) = (8u32, 8u32);
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        // The seed's bytes open the first row, so distinct seeds never collide.
        raw.extend((0..width).map(|x| match (y, x) {
            (0, 0..4) => seed.to_le_bytes()[x as usize],
            _ => (seed.wrapping_mul(31) ^ (x * 7 + y * 13)) as u8,
        }));
    }
    let mut zlib = vec![0x78, 0x01, 1];
    let len = raw.len() as u16;
    zlib.extend(len.to_le_bytes());
    zlib.extend((!len).to_le_bytes());
    zlib.extend(&raw);
    zlib.extend(adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend((data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend(&data);
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The expected reports of unit `n`: a constituency and a party-list form whose
/// numbers add up.
pub fn expected_reports(n: u32) -> Value {
    let votes: Vec<u64> = (0..5)
        .map(|i| 40 + u64::from((n * 17 + i * 29) % 90))
        .collect();
    let good: u64 = votes.iter().sum();
    let report = |form_type: &str, rows: Value| {
        json!({
            "form_info": {"form_type": form_type, "date": "2026-02-08", "province": "กรุงเทพมหานคร",
                          "district": "บางพลัด", "constituency_number": 31, "polling_station_number": n + 1},
            "voter_statistics": {"eligible_voters": good + 300, "voters_present": good + 19},
            "ballot_statistics": {"ballots_allocated": good + 350, "ballots_used": good + 19,
                                  "good_ballots": good, "bad_ballots": 12, "no_vote_ballots": 7,
                                  "ballots_remaining": 331},
            "vote_results": rows
        })
    };
    let candidates: Vec<Value> = votes
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json!({"number": i + 1, "candidate_name": format!("ผู้สมัคร {}", i + 1),
                             "party_name": format!("พรรค {}", i + 1), "vote_count": v})
        })
        .collect();
    let parties: Vec<Value> = votes.iter().rev().enumerate()
        .map(|(i, v)| json!({"number": i + 1, "party_name": format!("พรรค {}", i + 1), "vote_count": v}))
        .collect();
    json!([
        report("Constituency", json!(candidates)),
        report("PartyList", json!(parties))
    ])
}

/// Writes `<root>/sample/records.jsonl` with `count` two-page records and their
/// images; returns the records.
pub fn write_dataset(root: &Path, count: u32) -> std::io::Result<Vec<DatasetRecord>> {
    let folder = root.join("sample");
    std::fs::create_dir_all(folder.join("images"))?;
    let mut lines = String::new();
    let mut records = Vec::new();
    for n in 0..count {
        let paths: Vec<String> = (1..=2)
            .map(|p| format!("images/unit{n:03}_page{p}.png"))
            .collect();
        for (p, path) in paths.iter().enumerate() {
            std::fs::write(folder.join(path), png(n * 2 + p as u32))?;
        }
        let line = json!({"id": format!("unit{n:03}"),
                          "input": {"form_set_name": format!("unit{n:03}"), "image_paths": paths, "num_pages": 2},
                          "expected_output": expected_reports(n)});
        records.push(serde_json::from_value(line.clone()).map_err(std::io::Error::other)?);
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    std::fs::write(folder.join("records.jsonl"), lines)?;
    Ok(records)
}

/// The dataset folder [`write_dataset`] creates under `root`.
pub fn dataset_folder(root: &Path) -> PathBuf {
    root.join("sample")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pngs_are_valid_and_distinct() {
        let a = png(1);
        assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR chunk: length 13, then its CRC over type + data.
        assert_eq!(&a[8..16], b"\0\0\0\x0dIHDR");
        assert_eq!(crc32(&a[12..29]).to_be_bytes(), a[29..33]);
        assert_eq!(
            a[a.len() - 8..],
            *b"IEND\xaeB`\x82",
            "IEND with its well-known CRC"
        );
        assert_ne!(png(1), png(257));
    }

    #[test]
    fn expected_reports_add_up() {
        let reports = expected_reports(3);
        let report = &reports[0];
        let votes: u64 = report["vote_results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["vote_count"].as_u64().unwrap())
            .sum();
        assert_eq!(report["ballot_statistics"]["good_ballots"], votes);
    }
}
