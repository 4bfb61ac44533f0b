//! Deflate for the values the store keeps compressed (response cache entries, dataset
//! record blocks): JSON text shrinks several-fold, and Redis memory is what runs out.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use super::StoreError;
use super::error::corrupt;

/// `bytes` deflated; `key` names the value in the (never expected) encoder error.
pub(crate) fn deflate(key: &str, bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail for lack of space; an error here would be the
    // encoder's own, reported as a corrupt value rather than a panic.
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| corrupt(key, e))
}

/// The text deflated in `compressed`, stored at `key`.
pub(crate) fn inflate_to_string(key: &str, compressed: &[u8]) -> Result<String, StoreError> {
    let mut text = String::new();
    DeflateDecoder::new(compressed)
        .read_to_string(&mut text)
        .map_err(|e| corrupt(key, e))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_comes_back_and_garbage_is_corrupt() {
        let text = "กรุงเทพมหานคร ".repeat(100);
        let compressed = deflate("k", text.as_bytes()).unwrap();
        assert!(compressed.len() < text.len() / 10);
        assert_eq!(inflate_to_string("k", &compressed).unwrap(), text);
        let err = inflate_to_string("k", b"\xff\xff not deflate").unwrap_err();
        assert!(
            err.to_string().contains("stored value at k is corrupt"),
            "{err}"
        );
    }
}
