//! `ContentHash`: the identity of a dataset's content, records and image bytes alike.
//!
//! Two folders with the same records (as parsed, so formatting and key order do not
//! matter) and byte-identical images have the same hash; changing one number or one
//! pixel changes it. Importing content whose hash is already registered returns the
//! existing version instead of a new one.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use sha2::{Digest, Sha256};

use super::record::DatasetRecord;

const PREFIX: &str = "sha256:";

/// `sha256:<64 hex digits>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentHash(String);

impl ContentHash {
    pub fn parse(text: &str) -> Result<ContentHash, String> {
        let hex_part = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| format!("content hash {text:?} does not start with {PREFIX}"))?;
        if hex_part.len() != 64 || !hex_part.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            return Err(format!(
                "content hash {text:?} is not 64 lowercase hex digits"
            ));
        }
        Ok(ContentHash(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ContentHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        ContentHash::parse(&raw).map_err(de::Error::custom)
    }
}

/// Accumulates records in order, each followed by the digests of its local images.
///
/// Every piece is length-prefixed so that no two different sequences of records and
/// images feed the same bytes to the digest.
pub struct ContentHasher {
    digest: Sha256,
}

impl ContentHasher {
    pub fn new() -> ContentHasher {
        ContentHasher {
            digest: Sha256::new(),
        }
    }

    /// Adds one record in its canonical JSON form (struct fields in declaration
    /// order, metadata keys sorted, counts as plain numbers).
    pub fn add_record(&mut self, record: &DatasetRecord) {
        // Serializing these types cannot fail: no maps with non-string keys, no
        // non-finite floats outside `metadata`, which is already a JSON value.
        let json = serde_json::to_vec(record).unwrap_or_default();
        self.add_piece(b'r', &json);
    }

    /// Adds the bytes of a local image of the record added last.
    pub fn add_image(&mut self, bytes: &[u8]) {
        self.add_piece(b'i', &Sha256::digest(bytes));
    }

    fn add_piece(&mut self, tag: u8, bytes: &[u8]) {
        self.digest.update([tag]);
        self.digest.update((bytes.len() as u64).to_le_bytes());
        self.digest.update(bytes);
    }

    pub fn finish(self) -> ContentHash {
        ContentHash(format!("{PREFIX}{}", hex::encode(self.digest.finalize())))
    }
}

impl Default for ContentHasher {
    fn default() -> Self {
        ContentHasher::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> DatasetRecord {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "input": {"form_set_name": id, "image_paths": [], "num_pages": 0},
            "expected_output": [],
            "metadata": {"b": 1, "a": 2}
        }))
        .unwrap()
    }

    fn hash(records: &[&str], images: &[&[u8]]) -> ContentHash {
        let mut hasher = ContentHasher::new();
        for id in records {
            hasher.add_record(&record(id));
        }
        for image in images {
            hasher.add_image(image);
        }
        hasher.finish()
    }

    #[test]
    fn same_content_same_hash_and_any_change_shows() {
        let base = hash(&["a", "b"], &[b"png"]);
        assert_eq!(base, hash(&["a", "b"], &[b"png"]));
        assert_ne!(base, hash(&["b", "a"], &[b"png"]));
        assert_ne!(base, hash(&["a", "b"], &[b"pnG"]));
        assert_ne!(base, hash(&["a"], &[b"png"]));
        assert!(ContentHash::parse(base.as_str()).is_ok());
    }

    #[test]
    fn parse_rejects_what_is_not_a_sha256() {
        assert!(ContentHash::parse("md5:abc").is_err());
        assert!(ContentHash::parse(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(ContentHash::parse("sha256:abc").is_err());
    }
}
