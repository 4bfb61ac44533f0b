//! A dataset version uploaded a block at a time: records arrive in batches, are
//! compressed into blocks (`record_blocks`) and pushed to a fresh staging list, which
//! the register script (`datasets`) renames to the version's blocks list at the end.
//!
//! Until then nothing is visible: a staging list is no version, and it is dropped
//! when the upload fails or is abandoned (`discard`), or by its expiry when the
//! importer dies, so a version is never half-written. Only one batch of records and
//! its blocks are held at a time, whatever the dataset's size.

use redis::Script;

use super::datasets::{Draft, REGISTER_SCRIPT, Registered, parse_meta};
use super::error::corrupt;
use super::{ApiStore, Footprint, StoreError, record_blocks};
use tally_core::dataset::DatasetRecord;

/// Blocks pushed per `RPUSH`: bounds the size of one command and of what is held.
const STAGING_CHUNK: usize = 64;
/// Records compressed and pushed together.
const BATCH_RECORDS: usize = STAGING_CHUNK * record_blocks::BLOCK_RECORDS as usize;
/// A staging list outlives any real upload (each push renews it); the expiry only
/// cleans up after a crash.
const STAGING_TTL_SECONDS: u64 = 3600;

/// A version being staged; `publish` registers it, `discard` drops it.
pub struct VersionStaging<'a> {
    store: &'a ApiStore,
    /// The staging list, numbered when first needed: a version refused by the room
    /// check writes nothing at all.
    key: Option<String>,
    /// Records the whole version is expected to hold (for the room check).
    expected: u64,
    pending: Vec<DatasetRecord>,
    records: u64,
    blocks: u64,
    room_checked: bool,
}

impl ApiStore {
    /// Starts staging a version of `expected_records` records (image paths already
    /// relative to the data directory).
    pub fn stage_dataset_version(&self, expected_records: u64) -> VersionStaging<'_> {
        VersionStaging {
            store: self,
            key: None,
            expected: expected_records,
            pending: Vec::new(),
            records: 0,
            blocks: 0,
            room_checked: false,
        }
    }
}

impl VersionStaging<'_> {
    /// Adds records, in file order; full batches are pushed at once.
    pub async fn push(
        &mut self,
        records: impl IntoIterator<Item = DatasetRecord>,
    ) -> Result<(), StoreError> {
        self.pending.extend(records);
        while self.pending.len() >= BATCH_RECORDS {
            self.flush(BATCH_RECORDS).await?;
        }
        Ok(())
    }

    /// Pushes the remaining records and registers the version as `draft` says (or
    /// finds its content already registered); the staging list is gone either way.
    pub(crate) async fn publish(mut self, draft: &Draft<'_>) -> Result<Registered, StoreError> {
        let registered = self.flush_and_register(draft).await;
        if registered.is_err() {
            self.discard().await;
        }
        registered
    }

    /// Drops what was staged. `DEL` is allowed even over `maxmemory`; if it fails
    /// too, the expiry still removes the list.
    pub async fn discard(self) {
        if let Some(key) = &self.key {
            let _ = redis::cmd("DEL")
                .arg(key)
                .query_async::<()>(&mut self.store.conn())
                .await;
        }
    }

    /// The staging list's key, numbered on first use.
    async fn key(&mut self) -> Result<String, StoreError> {
        if let Some(key) = &self.key {
            return Ok(key.clone());
        }
        let staging_id: u64 = redis::cmd("INCR")
            .arg(self.store.keys.dataset_staging_seq())
            .query_async(&mut self.store.conn())
            .await?;
        let key = self.store.keys.dataset_staging(staging_id);
        self.key = Some(key.clone());
        Ok(key)
    }

    async fn flush_and_register(&mut self, draft: &Draft<'_>) -> Result<Registered, StoreError> {
        if !self.pending.is_empty() {
            self.flush(self.pending.len()).await?;
        }
        let Draft {
            name,
            content_hash,
            source,
            origin,
        } = *draft;
        let origin = match origin {
            Some(origin) => serde_json::to_string(origin).map_err(|e| corrupt(name.as_str(), e))?,
            None => String::new(),
        };
        let store = self.store;
        let staging = self.key().await?;
        // The script's first write is `INCR`, which Redis refuses over `maxmemory`
        // before anything else is written: an out-of-memory store leaves no version
        // half-registered.
        let (created, meta): (u8, String) = Script::new(REGISTER_SCRIPT)
            .key(store.keys.dataset_by_hash(name))
            .key(store.keys.dataset_latest(name))
            .key(store.keys.dataset_versions(name))
            .key(store.keys.dataset_names())
            .key(&staging)
            .key(store.keys.dataset_blocks(name, content_hash))
            .arg(content_hash.as_str())
            .arg(name.as_str())
            .arg(self.records)
            .arg(chrono::Utc::now().to_rfc3339())
            .arg(source)
            .arg(self.blocks)
            .arg(origin)
            .invoke_async(&mut store.conn())
            .await?;
        let version = parse_meta(&store.keys.dataset_versions(name), &meta)?;
        Ok(Registered {
            version,
            created: created == 1,
        })
    }

    /// Compresses the first `count` pending records and pushes their blocks.
    async fn flush(&mut self, count: usize) -> Result<(), StoreError> {
        let batch: Vec<DatasetRecord> = self.pending.drain(..count).collect();
        let blocks = record_blocks::encode("dataset staging", &batch)?;
        if !self.room_checked {
            // Refused before the first write: a dataset that cannot fit leaves
            // nothing. The first batch's compressed size, scaled to the whole version.
            let bytes: u64 = blocks.iter().map(|block| block.len() as u64).sum();
            let records = self.expected.max(batch.len() as u64);
            let estimate = bytes.saturating_mul(records) / (batch.len() as u64).max(1);
            self.store
                .ensure_room(Footprint::Dataset {
                    records,
                    bytes: estimate,
                })
                .await?;
            self.room_checked = true;
        }
        // Redis checks `maxmemory` before each push: when it refuses one halfway,
        // `publish` / the caller's `discard` drops what came before.
        let key = self.key().await?;
        redis::pipe()
            .cmd("RPUSH")
            .arg(&key)
            .arg(&blocks)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(STAGING_TTL_SECONDS)
            .ignore()
            .query_async::<()>(&mut self.store.conn())
            .await?;
        self.records += batch.len() as u64;
        self.blocks += blocks.len() as u64;
        Ok(())
    }
}
