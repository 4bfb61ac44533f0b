//! The Files API's files (uploaded ones and the responses files batches generate)
//! and the resumable upload sessions that fill them.
//!
//! Uploads follow Google's resumable protocol (`X-Goog-Upload-*`): every chunk but
//! the one that finalizes must be a multiple of the chunk granularity the start
//! answer announces (`X-Goog-Upload-Chunk-Granularity`; intermediate chunks' size
//! and offset are multiples of it, the last may be smaller), each chunk must start
//! exactly where the bytes received so far end, the file may not grow past its
//! announced size and must have it when finalized, and `query` tells a client that
//! was interrupted how many bytes arrived (or the file, once finalized).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Google keeps a file for 48 hours.
const FILE_LIFETIME_HOURS: i64 = 48;

/// The chunk granularity announced at the start of every upload: 256 KiB, the
/// unit Google's upload servers ask for (google-genai's 8 MiB chunks are 32 of it).
pub const CHUNK_GRANULARITY: usize = 256 * 1024;

/// Who wrote a file: only generated files can be downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Uploaded,
    Generated,
}

#[derive(Debug, Clone)]
pub struct File {
    /// The part after `files/`.
    pub id: String,
    pub display_name: String,
    pub mime_type: String,
    pub source: Source,
    pub created: DateTime<Utc>,
    pub bytes: Vec<u8>,
}

/// A resumable upload between its `start` and its `finalize`.
#[derive(Debug, Clone)]
struct Session {
    display_name: String,
    mime_type: String,
    /// `X-Goog-Upload-Header-Content-Length`, when the client announced it.
    declared: Option<usize>,
    received: Vec<u8>,
}

/// What an upload chunk led to.
pub enum Chunk {
    /// More bytes are expected.
    Active {
        received: usize,
    },
    Final(File),
}

/// What `query` finds: the bytes an open upload holds, or its file.
pub enum Queried {
    Active { received: usize },
    Final(File),
}

/// Why an upload chunk was refused; the session keeps what it had.
pub enum ChunkError {
    NoSession,
    WrongOffset {
        expected: usize,
    },
    /// A chunk that does not finalize is not a multiple of the granularity.
    Granularity {
        size: usize,
    },
    /// Past the announced size, or short of it when finalizing.
    SizeMismatch {
        declared: usize,
        received: usize,
    },
}

/// The upload commands accepted, the listings served and the files deleted, for
/// `/_emulator/stats`.
#[derive(Default)]
struct Counts {
    chunks: AtomicU64,
    queries: AtomicU64,
    listings: AtomicU64,
    deletions: AtomicU64,
}

#[derive(Default)]
pub struct Files {
    files: Mutex<Vec<File>>,
    sessions: Mutex<HashMap<String, Session>>,
    /// Finalized uploads and their file's id (what `query` answers for them).
    finished: Mutex<HashMap<String, String>>,
    created: Mutex<u64>,
    counts: Counts,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Files {
    /// An opaque id: a counter mixed with `salt`.
    fn next_id(&self, salt: u64) -> String {
        let mut created = lock(&self.created);
        *created += 1;
        format!("{:08x}{:04x}", salt & 0xffff_ffff, *created)
    }

    /// Opens an upload session and returns its id (the `upload_id` of the upload URL).
    pub fn start(
        &self,
        display_name: String,
        mime_type: String,
        declared: Option<usize>,
        salt: u64,
    ) -> String {
        let id = format!("u{}", self.next_id(salt));
        let session = Session {
            display_name,
            mime_type,
            declared,
            received: Vec::new(),
        };
        lock(&self.sessions).insert(id.clone(), session);
        id
    }

    /// Appends `bytes` at `offset`; with `finalize` the session becomes a file.
    /// A refused chunk leaves the session as it was.
    pub fn chunk(
        &self,
        upload_id: &str,
        offset: usize,
        bytes: &[u8],
        finalize: bool,
        salt: u64,
    ) -> Result<Chunk, ChunkError> {
        let mut sessions = lock(&self.sessions);
        let session = sessions.get_mut(upload_id).ok_or(ChunkError::NoSession)?;
        let held = session.received.len();
        if offset != held {
            return Err(ChunkError::WrongOffset { expected: held });
        }
        if !finalize && !bytes.len().is_multiple_of(CHUNK_GRANULARITY) {
            return Err(ChunkError::Granularity { size: bytes.len() });
        }
        let total = held + bytes.len();
        if let Some(declared) = session.declared
            && (total > declared || (finalize && total != declared))
        {
            return Err(ChunkError::SizeMismatch {
                declared,
                received: total,
            });
        }
        session.received.extend_from_slice(bytes);
        self.counts.chunks.fetch_add(1, Ordering::Relaxed);
        if !finalize {
            return Ok(Chunk::Active { received: total });
        }
        let Some(session) = sessions.remove(upload_id) else {
            return Err(ChunkError::NoSession);
        };
        drop(sessions);
        let file = File {
            id: self.next_id(salt),
            display_name: session.display_name,
            mime_type: session.mime_type,
            source: Source::Uploaded,
            created: Utc::now(),
            bytes: session.received,
        };
        lock(&self.finished).insert(upload_id.to_string(), file.id.clone());
        lock(&self.files).push(file.clone());
        Ok(Chunk::Final(file))
    }

    /// The bytes an upload holds, or its file once finalized (`None`: no such
    /// upload, or its file was deleted).
    pub fn query(&self, upload_id: &str) -> Option<Queried> {
        self.counts.queries.fetch_add(1, Ordering::Relaxed);
        if let Some(session) = lock(&self.sessions).get(upload_id) {
            return Some(Queried::Active {
                received: session.received.len(),
            });
        }
        let id = lock(&self.finished).get(upload_id).cloned()?;
        self.get(&id).map(Queried::Final)
    }

    /// Upload chunks and queries accepted, list pages served and files deleted
    /// since the last reset.
    pub fn counts(&self) -> Value {
        json!({
            "upload_chunks": self.counts.chunks.load(Ordering::Relaxed),
            "upload_queries": self.counts.queries.load(Ordering::Relaxed),
            "list_pages": self.counts.listings.load(Ordering::Relaxed),
            "deleted": self.counts.deletions.load(Ordering::Relaxed),
        })
    }

    /// Stores a file the service wrote (a batch's responses) and returns its name.
    pub fn generate(&self, display_name: String, bytes: Vec<u8>, salt: u64) -> String {
        let file = File {
            id: self.next_id(salt),
            display_name,
            mime_type: "application/jsonl".to_string(),
            source: Source::Generated,
            created: Utc::now(),
            bytes,
        };
        let name = format!("files/{}", file.id);
        lock(&self.files).push(file);
        name
    }

    pub fn get(&self, id: &str) -> Option<File> {
        lock(&self.files).iter().find(|f| f.id == id).cloned()
    }

    /// Every file, newest first, for a page of `files.list` (counted).
    pub fn newest_first(&self) -> Vec<File> {
        self.counts.listings.fetch_add(1, Ordering::Relaxed);
        lock(&self.files).iter().rev().cloned().collect()
    }

    /// Whether the file was there (and is now deleted, counted).
    pub fn delete(&self, id: &str) -> bool {
        let mut files = lock(&self.files);
        let before = files.len();
        files.retain(|f| f.id != id);
        let deleted = files.len() != before;
        if deleted {
            self.counts.deletions.fetch_add(1, Ordering::Relaxed);
        }
        deleted
    }

    pub fn clear(&self) {
        lock(&self.files).clear();
        lock(&self.sessions).clear();
        lock(&self.finished).clear();
        for count in [
            &self.counts.chunks,
            &self.counts.queries,
            &self.counts.listings,
            &self.counts.deletions,
        ] {
            count.store(0, Ordering::Relaxed);
        }
    }
}

impl File {
    /// The `File` resource; `base` is the emulator's own URL (for `uri` and
    /// `downloadUri`).
    pub fn resource(&self, base: &str) -> Value {
        let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
        let digest = Sha256::digest(&self.bytes);
        let mut value = json!({
            "name": format!("files/{}", self.id),
            "mimeType": self.mime_type,
            "sizeBytes": self.bytes.len().to_string(),
            "createTime": at(self.created),
            "updateTime": at(self.created),
            "expirationTime": at(self.created + Duration::hours(FILE_LIFETIME_HOURS)),
            "sha256Hash": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, digest),
            "uri": format!("{base}/v1beta/files/{}", self.id),
            "state": "ACTIVE",
            "source": match self.source {
                Source::Uploaded => "UPLOADED",
                Source::Generated => "GENERATED",
            },
        });
        if !self.display_name.is_empty() {
            value["displayName"] = json!(self.display_name);
        }
        if self.source == Source::Generated {
            value["downloadUri"] = json!(format!(
                "{base}/download/v1beta/files/{}:download?alt=media",
                self.id
            ));
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_in_two_chunks_becomes_a_file_and_offsets_are_checked() {
        let files = Files::default();
        let first = vec![b'a'; CHUNK_GRANULARITY];
        let size = CHUNK_GRANULARITY + 3;
        let id = files.start("in".into(), "application/jsonl".into(), Some(size), 1);
        assert!(matches!(
            files.chunk(&id, 0, &first, false, 1),
            Ok(Chunk::Active { received }) if received == CHUNK_GRANULARITY
        ));
        assert!(matches!(
            files.chunk(&id, 1, b"def", true, 1),
            Err(ChunkError::WrongOffset { expected }) if expected == CHUNK_GRANULARITY
        ));
        assert!(matches!(
            files.query(&id),
            Some(Queried::Active { received }) if received == CHUNK_GRANULARITY
        ));
        let Ok(Chunk::Final(file)) = files.chunk(&id, CHUNK_GRANULARITY, b"def", true, 1) else {
            panic!("the upload did not finish");
        };
        assert_eq!(file.bytes.len(), size);
        assert_eq!(files.get(&file.id).unwrap().source, Source::Uploaded);
        assert!(matches!(
            files.chunk(&id, size, b"", true, 1),
            Err(ChunkError::NoSession)
        ));
        assert!(matches!(files.query(&id), Some(Queried::Final(f)) if f.id == file.id));
    }

    #[test]
    fn a_chunk_that_does_not_finalize_must_be_whole_units_of_the_granularity() {
        let files = Files::default();
        let id = files.start(String::new(), "application/jsonl".into(), None, 1);
        assert!(matches!(
            files.chunk(&id, 0, b"abc", false, 1),
            Err(ChunkError::Granularity { size: 3 })
        ));
        assert!(matches!(
            files.query(&id),
            Some(Queried::Active { received: 0 })
        ));
        assert!(matches!(
            files.chunk(&id, 0, b"abc", true, 1),
            Ok(Chunk::Final(_))
        ));
    }

    #[test]
    fn a_finalized_upload_must_have_the_announced_size() {
        let files = Files::default();
        let id = files.start(String::new(), "application/jsonl".into(), Some(10), 1);
        assert!(matches!(
            files.chunk(&id, 0, b"abc", true, 1),
            Err(ChunkError::SizeMismatch {
                declared: 10,
                received: 3
            })
        ));
    }
}
