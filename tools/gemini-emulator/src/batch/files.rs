//! The Files API's files (uploaded ones and the responses files batches generate)
//! and the resumable upload sessions that fill them.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Google keeps a file for 48 hours.
const FILE_LIFETIME_HOURS: i64 = 48;

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

/// Why an upload chunk was refused.
pub enum ChunkError {
    NoSession,
    WrongOffset { expected: usize },
    SizeMismatch { declared: usize, received: usize },
}

#[derive(Default)]
pub struct Files {
    files: Mutex<Vec<File>>,
    sessions: Mutex<HashMap<String, Session>>,
    created: Mutex<u64>,
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
        if offset != session.received.len() {
            return Err(ChunkError::WrongOffset {
                expected: session.received.len(),
            });
        }
        session.received.extend_from_slice(bytes);
        if !finalize {
            return Ok(Chunk::Active {
                received: session.received.len(),
            });
        }
        if let Some(declared) = session.declared
            && declared != session.received.len()
        {
            return Err(ChunkError::SizeMismatch {
                declared,
                received: session.received.len(),
            });
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
        lock(&self.files).push(file.clone());
        Ok(Chunk::Final(file))
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

    pub fn newest_first(&self) -> Vec<File> {
        lock(&self.files).iter().rev().cloned().collect()
    }

    pub fn delete(&self, id: &str) -> bool {
        let mut files = lock(&self.files);
        let before = files.len();
        files.retain(|f| f.id != id);
        files.len() != before
    }

    pub fn clear(&self) {
        lock(&self.files).clear();
        lock(&self.sessions).clear();
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
        let id = files.start("in".into(), "application/jsonl".into(), Some(6), 1);
        assert!(matches!(
            files.chunk(&id, 0, b"abc", false, 1),
            Ok(Chunk::Active { received: 3 })
        ));
        assert!(matches!(
            files.chunk(&id, 1, b"def", true, 1),
            Err(ChunkError::WrongOffset { expected: 3 })
        ));
        let Ok(Chunk::Final(file)) = files.chunk(&id, 3, b"def", true, 1) else {
            panic!("the upload did not finish");
        };
        assert_eq!(file.bytes, b"abcdef");
        assert_eq!(files.get(&file.id).unwrap().source, Source::Uploaded);
        assert!(matches!(
            files.chunk(&id, 6, b"", true, 1),
            Err(ChunkError::NoSession)
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
