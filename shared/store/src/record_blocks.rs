//! How a dataset version's records sit in Redis: in blocks of `BLOCK_RECORDS`
//! consecutive records, each block their JSON lines deflated together, one list
//! element per block.
//!
//! One record alone deflates to about a quarter of its JSON (the sample's 5.9 KB
//! records to 1.3 KB); records of one dataset share their keys, names and parties,
//! so a block of them deflates to under a tenth (measured in `docs/src/redis.md`).
//! A chunk job (at most 25 records) reads and inflates two or three blocks with one
//! `LRANGE`; what a reader asks for is cut out of the blocks here, and only that is
//! parsed.

use tally_core::dataset::DatasetRecord;

use super::StoreError;
use super::compress::{deflate, inflate_to_string};
use super::error::corrupt;

/// Records per block: large enough that a block shares most of its text, small
/// enough that a chunk's read inflates little it does not need.
pub(crate) const BLOCK_RECORDS: u64 = 16;

/// The block holding record `index`.
pub(crate) fn block_of(index: u64) -> u64 {
    index / BLOCK_RECORDS
}

/// `records` as compressed blocks, in order.
pub(crate) fn encode(key: &str, records: &[DatasetRecord]) -> Result<Vec<Vec<u8>>, StoreError> {
    records
        .chunks(BLOCK_RECORDS as usize)
        .map(|block| {
            let lines = block
                .iter()
                .map(|record| serde_json::to_string(record).map_err(|e| corrupt(key, e)))
                .collect::<Result<Vec<_>, _>>()?;
            // Compact JSON never holds a raw newline: it separates the records.
            deflate(key, lines.join("\n").as_bytes())
        })
        .collect()
}

/// One record line of a block read from `key`. Only the lines a reader asked for
/// are parsed: a chunk's 25 records span two or three 16-record blocks, and parsing
/// the records around them was ~40 % of what reading a chunk's records cost.
fn parse(key: &str, line: &str) -> Result<DatasetRecord, StoreError> {
    serde_json::from_str(line).map_err(|e| corrupt(key, e))
}

/// Records `[start, end)` out of the consecutive `blocks` beginning at
/// `block_of(start)`; records past the end of the version are left out.
pub(crate) fn cut_range(
    key: &str,
    blocks: &[Vec<u8>],
    start: u64,
    end: u64,
) -> Result<Vec<DatasetRecord>, StoreError> {
    let skip = (start - block_of(start) * BLOCK_RECORDS) as usize;
    let wanted = end.saturating_sub(start) as usize;
    let mut records = Vec::with_capacity(wanted);
    let mut position = 0;
    for block in blocks {
        if records.len() == wanted {
            break;
        }
        let text = inflate_to_string(key, block)?;
        // Compact JSON never holds a raw newline: it separates the records.
        for line in text.split('\n') {
            if position >= skip && records.len() < wanted {
                records.push(parse(key, line)?);
            }
            position += 1;
        }
    }
    Ok(records)
}

/// The records at `indices`, in that order, given each needed block (by number,
/// `None` when past the end); indices past the end are left out.
pub(crate) fn pick(
    key: &str,
    indices: &[u64],
    blocks: &[(u64, Option<Vec<u8>>)],
) -> Result<Vec<DatasetRecord>, StoreError> {
    let mut texts = std::collections::HashMap::new();
    for (number, block) in blocks {
        if let Some(block) = block {
            texts.insert(*number, inflate_to_string(key, block)?);
        }
    }
    let mut records = Vec::with_capacity(indices.len());
    for index in indices {
        let line = texts
            .get(&block_of(*index))
            .and_then(|text| text.split('\n').nth((index % BLOCK_RECORDS) as usize));
        if let Some(line) = line {
            records.push(parse(key, line)?);
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(n: usize) -> Vec<DatasetRecord> {
        (0..n)
            .map(|i| {
                serde_json::from_value(serde_json::json!({
                    "id": format!("r{i}"),
                    "input": {"form_set_name": format!("set-{i}"), "image_paths": ["a.png"], "num_pages": 1},
                    "expected_output": [],
                    "metadata": {"note": "line one\nline two"}
                }))
                .unwrap()
            })
            .collect()
    }

    fn ids(records: &[DatasetRecord]) -> Vec<&str> {
        records.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn a_range_is_cut_out_of_the_blocks_that_hold_it() {
        let all = records(40);
        let blocks = encode("k", &all).unwrap();
        assert_eq!(blocks.len(), 3);
        let (first, last) = (block_of(14), block_of(33 - 1));
        let range = cut_range("k", &blocks[first as usize..=last as usize], 14, 33).unwrap();
        assert_eq!(range, all[14..33].to_vec());
        // Past the end: only what exists.
        let tail = cut_range("k", &blocks[2..], 38, 45).unwrap();
        assert_eq!(ids(&tail), ["r38", "r39"]);
        assert!(cut_range("k", &blocks[2..], 38, 38).unwrap().is_empty());
    }

    #[test]
    fn positions_are_picked_in_the_order_asked() {
        let all = records(40);
        let blocks = encode("k", &all).unwrap();
        let needed: Vec<(u64, Option<Vec<u8>>)> = vec![
            (2, Some(blocks[2].clone())),
            (0, Some(blocks[0].clone())),
            (5, None),
        ];
        let picked = pick("k", &[33, 1, 95, 0], &needed).unwrap();
        assert_eq!(ids(&picked), ["r33", "r1", "r0"]);
    }

    #[test]
    fn a_bad_block_is_corrupt() {
        let err = cut_range("k", &[b"not deflate".to_vec()], 0, 1).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    }

    #[test]
    fn only_the_records_asked_for_are_parsed() {
        let all = records(40);
        let mut blocks = encode("k", &all).unwrap();
        // Record 16 (first line of block 1) is not JSON; records 17.. read fine.
        let text = inflate_to_string("k", &blocks[1]).unwrap();
        let damaged = text.replacen("{", "not json {", 1);
        blocks[1] = deflate("k", damaged.as_bytes()).unwrap();
        let range = cut_range("k", &blocks[1..3], 17, 40).unwrap();
        assert_eq!(range, all[17..40].to_vec());
        let picked = pick(
            "k",
            &[20, 33],
            &[(1, Some(blocks[1].clone())), (2, Some(blocks[2].clone()))],
        )
        .unwrap();
        assert_eq!(ids(&picked), ["r20", "r33"]);
        assert!(cut_range("k", &blocks[1..2], 16, 17).is_err());
    }
}
