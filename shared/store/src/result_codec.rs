//! How a record result is stored: its JSON, compressed with zstd and a dictionary
//! trained on results (`dictionaries/results-1.zdict`, made by
//! `bench/result_dictionary.sh`). A 6 KB result — mostly the model's answer, Thai
//! names and numbers in a fixed structure — takes ~400 B; plain deflate took
//! ~1,500 B and ten times the CPU (BENCHMARKS.md, *Redis memory per record*).
//!
//! The first byte says how the rest is stored, so every stored value stays readable:
//! `{` — plain JSON (results written before compression); `1` — zstd with
//! dictionary 1. A new dictionary gets the next number; earlier ones are kept.

use std::cell::RefCell;
use std::sync::LazyLock;

use tally_core::run::RecordResult;
use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

use super::error::{StoreError, corrupt};

/// The format byte of values compressed with dictionary 1.
const ZSTD_DICTIONARY_1: u8 = 1;
/// Fast, and within a few percent of the best size with the dictionary.
const LEVEL: i32 = 3;
/// A result is never near this; a value claiming more is corrupt.
const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;

static DICTIONARY_1: &[u8] = include_bytes!("../dictionaries/results-1.zdict");
static ENCODER_1: LazyLock<EncoderDictionary<'static>> =
    LazyLock::new(|| EncoderDictionary::copy(DICTIONARY_1, LEVEL));
static DECODER_1: LazyLock<DecoderDictionary<'static>> =
    LazyLock::new(|| DecoderDictionary::copy(DICTIONARY_1));

thread_local! {
    // A context per thread: making one costs more than compressing a result.
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

/// The stored form of `result`.
pub(crate) fn encode(result: &RecordResult) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(result).map_err(|e| corrupt("record result", e))?;
    COMPRESSOR.with_borrow_mut(|slot| {
        let compressor = match slot {
            Some(compressor) => compressor,
            None => slot.insert(
                Compressor::with_prepared_dictionary(&ENCODER_1)
                    .map_err(|e| corrupt("result compressor", e))?,
            ),
        };
        let packed = compressor
            .compress(&json)
            .map_err(|e| corrupt("record result", e))?;
        let mut stored = Vec::with_capacity(packed.len() + 1);
        stored.push(ZSTD_DICTIONARY_1);
        stored.extend_from_slice(&packed);
        Ok(stored)
    })
}

/// A stored result (of the hash at `key`), whatever its format.
pub(crate) fn decode(key: &str, stored: &[u8]) -> Result<RecordResult, StoreError> {
    match stored.first() {
        Some(b'{') => serde_json::from_slice(stored).map_err(|e| corrupt(key, e)),
        Some(&ZSTD_DICTIONARY_1) => {
            let json = DECOMPRESSOR.with_borrow_mut(|slot| {
                let decompressor = match slot {
                    Some(decompressor) => decompressor,
                    None => slot.insert(
                        Decompressor::with_prepared_dictionary(&DECODER_1)
                            .map_err(|e| corrupt("result decompressor", e))?,
                    ),
                };
                decompressor
                    .decompress(&stored[1..], MAX_JSON_BYTES)
                    .map_err(|e| corrupt(key, e))
            })?;
            serde_json::from_slice(&json).map_err(|e| corrupt(key, e))
        }
        Some(other) => Err(corrupt(key, format!("unknown result format {other}"))),
        None => Err(corrupt(key, "an empty result")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A result whose answer is the first shipped sample record's expected output.
    fn result() -> RecordResult {
        let records =
            include_str!("../../../datasets/vote-extraction-bangbamru-1-10/records.jsonl");
        let record: serde_json::Value =
            serde_json::from_str(records.lines().next().unwrap()).unwrap();
        serde_json::from_value(json!({
            "record_id": "unit-0007", "status": "succeeded",
            "output": record["expected_output"],
            "evaluations": {"ballot_accuracy": 1.0}, "latency_ms": 812,
            "tokens": {"prompt": 1800, "output": 900, "thinking": 0, "cached": 0},
            "attempts": 1, "finished_at": "2026-11-30T12:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn a_result_reads_back_as_written_and_smaller() {
        let result = result();
        let stored = encode(&result).unwrap();
        assert_eq!(stored[0], ZSTD_DICTIONARY_1);
        let json = serde_json::to_vec(&result).unwrap().len();
        assert!(
            stored.len() * 4 < json,
            "{} B stored for {json} B of JSON",
            stored.len()
        );
        assert_eq!(decode("k", &stored).unwrap(), result);
    }

    #[test]
    fn plain_json_written_before_compression_still_reads() {
        let result = result();
        let plain = serde_json::to_vec(&result).unwrap();
        assert_eq!(decode("k", &plain).unwrap(), result);
    }

    #[test]
    fn an_unknown_format_or_damaged_value_is_corrupt() {
        let mut stored = encode(&result()).unwrap();
        assert!(decode("k", &[9, 1, 2]).is_err());
        assert!(decode("k", &[]).is_err());
        let last = stored.len() - 1;
        stored.truncate(last);
        assert!(decode("k", &stored).is_err());
    }
}
