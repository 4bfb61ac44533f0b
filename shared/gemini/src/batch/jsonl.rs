//! A part's JSONL input (`{"key", "request"}` lines) made line by line as it is
//! needed: its size and SHA-256 in one pass, its bytes in fixed-size chunks in
//! another, so that the file itself (up to `PART_LIMIT`) is never in memory, only
//! one chunk and one line of it. Both passes copy each request's text as the line
//! holds it (serialised once, when it was built); only the key is written anew.

use bytes::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};

use super::client::RequestLine;

/// The JSONL file's size and SHA-256, known before any of it is sent (to reuse an
/// upload of the same bytes, and to announce the size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub size: usize,
    pub sha256: [u8; 32],
}

/// One line as the batch service reads it; borrowed, so writing it copies nothing.
#[derive(Serialize)]
struct Line<'a> {
    key: &'a str,
    request: &'a RawValue,
}

/// Appends `line`'s JSONL text (newline included) to `out`.
fn write_line(line: &RequestLine, out: &mut Vec<u8>) {
    let line = Line {
        key: &line.key,
        request: &line.request,
    };
    // Writing a string and JSON text into a `Vec` cannot fail.
    if serde_json::to_writer(&mut *out, &line).is_ok() {
        out.push(b'\n');
    }
}

/// The size and SHA-256 of the JSONL of `lines`, one line in memory at a time.
pub fn digest(lines: &[RequestLine]) -> Digest {
    let mut hasher = Sha256::new();
    let mut size = 0;
    let mut buffer = Vec::new();
    for line in lines {
        buffer.clear();
        write_line(line, &mut buffer);
        hasher.update(&buffer);
        size += buffer.len();
    }
    Digest {
        size,
        sha256: hasher.finalize().into(),
    }
}

/// The JSONL of `lines` in chunks of `size` bytes (the last one shorter), each
/// line written only when the chunk reaches it.
pub struct Chunks<'a> {
    lines: std::slice::Iter<'a, RequestLine>,
    size: usize,
    /// Written and not yet handed out: less than a chunk plus one line.
    pending: Vec<u8>,
}

impl<'a> Chunks<'a> {
    pub fn new(lines: &'a [RequestLine], size: usize) -> Chunks<'a> {
        Chunks {
            lines: lines.iter(),
            size: size.max(1),
            pending: Vec::new(),
        }
    }

    /// The next chunk, or `None` once every byte has been handed out.
    pub fn next_chunk(&mut self) -> Option<Bytes> {
        while self.pending.len() < self.size {
            let Some(line) = self.lines.next() else {
                break;
            };
            write_line(line, &mut self.pending);
        }
        if self.pending.is_empty() {
            return None;
        }
        let rest = if self.pending.len() > self.size {
            self.pending.split_off(self.size)
        } else {
            Vec::new()
        };
        Some(Bytes::from(std::mem::replace(&mut self.pending, rest)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use sha2::Digest as _;

    use super::*;

    fn lines() -> Vec<RequestLine> {
        (0..50)
            .map(|i| {
                let request = json!({"contents": [{"parts": [{"text": "x".repeat(i * 7)}]}]});
                RequestLine::new(format!("r{i}"), &request).unwrap()
            })
            .collect()
    }

    #[test]
    fn the_chunks_are_the_file_whose_size_and_hash_the_digest_gives() {
        let lines = lines();
        let mut whole = Vec::new();
        for line in &lines {
            let request: Value = serde_json::from_str(line.request.get()).unwrap();
            let text = json!({"key": line.key, "request": request}).to_string();
            whole.extend_from_slice(text.as_bytes());
            whole.push(b'\n');
        }
        let digest = digest(&lines);
        assert_eq!(digest.size, whole.len());
        assert_eq!(digest.sha256, <[u8; 32]>::from(Sha256::digest(&whole)));

        let mut chunks = Chunks::new(&lines, 100);
        let mut joined = Vec::new();
        let mut sizes = Vec::new();
        while let Some(chunk) = chunks.next_chunk() {
            sizes.push(chunk.len());
            joined.extend_from_slice(&chunk);
        }
        assert_eq!(joined, whole);
        let (last, full) = sizes.split_last().unwrap();
        assert!(full.iter().all(|&size| size == 100), "{sizes:?}");
        assert!((1..=100).contains(last), "{sizes:?}");
    }
}
