//! Dataset versions: immutable, numbered 1, 2, 3 … per dataset name.
//!
//! Registering runs in two steps so that the large part never sits inside a script:
//! 1. the records, compressed in blocks (`record_blocks`), are pushed a batch at a
//!    time to a fresh staging list (`dataset_staging`) with an expiry; a failed or
//!    abandoned upload deletes it, and the expiry cleans up after a crash;
//! 2. one Lua script atomically either finds the content hash already registered
//!    (and drops the staging list), or takes the next version number, renames the
//!    staging list to the version's blocks list and writes the metadata.
//!
//! Concurrent imports therefore never share a number, and importing identical content
//! twice yields one version. A worker reads a chunk's records with one `LRANGE` of
//! the blocks that hold them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::corrupt;
use super::{ApiStore, Store, StoreError, record_blocks};
use tally_core::contract::views::DatadogOrigin;
use tally_core::dataset::{ContentHash, DatasetName, DatasetRecord};

/// The metadata of one registered dataset version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetVersion {
    pub name: DatasetName,
    pub version: u64,
    /// Number of records.
    pub size: u64,
    pub content_hash: ContentHash,
    pub created_at: DateTime<Utc>,
    /// The folder it was imported from, relative to the data directory.
    pub source: String,
    /// The Datadog dataset version it was imported from, if it was.
    #[serde(default)]
    pub datadog: Option<DatadogOrigin>,
}

/// The outcome of registering content: the version, and whether it is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub version: DatasetVersion,
    pub created: bool,
}

/// A version about to be registered: what the register script records of it.
#[derive(Clone, Copy)]
pub(crate) struct Draft<'a> {
    pub name: &'a DatasetName,
    pub content_hash: &'a ContentHash,
    /// The folder, relative to the data directory.
    pub source: &'a str,
    pub origin: Option<&'a DatadogOrigin>,
}

/// KEYS: by_hash, latest, versions, names, staging, blocks.
/// ARGV: content hash, name, size, created_at, source, number of blocks, Datadog
/// origin JSON (or "").
/// Returns {created (0/1), metadata JSON}.
pub(crate) const REGISTER_SCRIPT: &str = r#"
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  -- A version registered before records were kept in blocks has none: the upload
  -- of the same content supplies them.
  if redis.call('EXISTS', KEYS[6]) == 0 and tonumber(ARGV[6]) > 0
      and redis.call('LLEN', KEYS[5]) == tonumber(ARGV[6]) then
    redis.call('RENAME', KEYS[5], KEYS[6])
    redis.call('PERSIST', KEYS[6])
  else
    redis.call('DEL', KEYS[5])
  end
  return {0, redis.call('HGET', KEYS[3], existing)}
end
local size = tonumber(ARGV[3])
if redis.call('LLEN', KEYS[5]) ~= tonumber(ARGV[6]) then
  return redis.error_reply('staging list does not hold the ' .. ARGV[6] .. ' blocks sent')
end
local version = redis.call('INCR', KEYS[2])
local meta = cjson.encode({name = ARGV[2], version = version, size = size,
  content_hash = ARGV[1], created_at = ARGV[4], source = ARGV[5],
  datadog = ARGV[7] ~= '' and cjson.decode(ARGV[7]) or nil})
if size > 0 then
  redis.call('RENAME', KEYS[5], KEYS[6])
  redis.call('PERSIST', KEYS[6])
end
redis.call('HSET', KEYS[3], version, meta)
redis.call('HSET', KEYS[1], ARGV[1], version)
redis.call('SADD', KEYS[4], ARGV[2])
return {1, meta}
"#;

impl ApiStore {
    /// Registers `records` (image paths already relative to the data directory) as the
    /// next version of `name`, or returns the version that already has `content_hash`.
    pub async fn register_dataset_version(
        &self,
        name: &DatasetName,
        content_hash: &ContentHash,
        source: &str,
        records: &[DatasetRecord],
    ) -> Result<Registered, StoreError> {
        self.register_dataset_version_from(name, content_hash, source, None, records)
            .await
    }

    /// `register_dataset_version` for records that came from Datadog: the version
    /// remembers `origin` (unless identical content was already a version).
    pub async fn register_dataset_version_from(
        &self,
        name: &DatasetName,
        content_hash: &ContentHash,
        source: &str,
        origin: Option<&DatadogOrigin>,
        records: &[DatasetRecord],
    ) -> Result<Registered, StoreError> {
        if let Some(version) = self.registered_dataset_version(name, content_hash).await? {
            return Ok(Registered {
                version,
                created: false,
            });
        }
        let mut staging = self.stage_dataset_version(records.len() as u64);
        if let Err(e) = staging.push(records.iter().cloned()).await {
            staging.discard().await;
            return Err(e);
        }
        staging
            .publish(&Draft {
                name,
                content_hash,
                source,
                origin,
            })
            .await
    }

    /// The version of `name` that already holds `content_hash`, records and all: an
    /// import of the same content returns it instead of storing anything.
    pub async fn registered_dataset_version(
        &self,
        name: &DatasetName,
        content_hash: &ContentHash,
    ) -> Result<Option<DatasetVersion>, StoreError> {
        match self.dataset_version_by_hash(name, content_hash).await? {
            Some(version) if version.size == 0 || self.has_blocks(name, content_hash).await? => {
                Ok(Some(version))
            }
            _ => Ok(None),
        }
    }
}

impl Store {
    /// Names of all datasets with at least one version, sorted.
    pub async fn dataset_names(&self) -> Result<Vec<DatasetName>, StoreError> {
        let key = self.keys.dataset_names();
        self.sorted_members(&key, DatasetName::parse).await
    }

    /// All versions of `name`, oldest first (empty when the dataset is unknown).
    pub async fn dataset_versions(
        &self,
        name: &DatasetName,
    ) -> Result<Vec<DatasetVersion>, StoreError> {
        let key = self.keys.dataset_versions(name);
        let raw: Vec<(u64, String)> = redis::cmd("HGETALL")
            .arg(&key)
            .query_async(&mut self.conn())
            .await?;
        let mut versions = raw
            .iter()
            .map(|(_, meta)| parse_meta(&key, meta))
            .collect::<Result<Vec<_>, _>>()?;
        versions.sort_by_key(|v| v.version);
        Ok(versions)
    }

    /// One version's metadata, if it exists.
    pub async fn dataset_version(
        &self,
        name: &DatasetName,
        version: u64,
    ) -> Result<Option<DatasetVersion>, StoreError> {
        let key = self.keys.dataset_versions(name);
        let raw: Option<String> = redis::cmd("HGET")
            .arg(&key)
            .arg(version)
            .query_async(&mut self.conn())
            .await?;
        raw.map(|meta| parse_meta(&key, &meta)).transpose()
    }

    /// The newest version of `name`, if it has any.
    pub async fn latest_dataset_version(
        &self,
        name: &DatasetName,
    ) -> Result<Option<DatasetVersion>, StoreError> {
        let latest: Option<u64> = redis::cmd("GET")
            .arg(self.keys.dataset_latest(name))
            .query_async(&mut self.conn())
            .await?;
        match latest {
            Some(version) => self.dataset_version(name, version).await,
            None => Ok(None),
        }
    }

    /// The first `limit` records of a version (all of them when `limit` is `None`),
    /// in file order; `None` when the version does not exist.
    pub async fn dataset_records(
        &self,
        name: &DatasetName,
        version: u64,
        limit: Option<usize>,
    ) -> Result<Option<Vec<DatasetRecord>>, StoreError> {
        let Some(meta) = self.dataset_version(name, version).await? else {
            return Ok(None);
        };
        let wanted = limit.map_or(meta.size, |n| (n as u64).min(meta.size));
        let records = self
            .dataset_record_range(name, &meta.content_hash, 0, wanted)
            .await?;
        if records.len() as u64 != wanted {
            return Err(corrupt(
                &self.keys.dataset_blocks(name, &meta.content_hash),
                format!("holds {} of the version's {wanted} records", records.len()),
            ));
        }
        Ok(Some(records))
    }

    async fn has_blocks(
        &self,
        name: &DatasetName,
        content_hash: &ContentHash,
    ) -> Result<bool, StoreError> {
        Ok(redis::cmd("EXISTS")
            .arg(self.keys.dataset_blocks(name, content_hash))
            .query_async(&mut self.conn())
            .await?)
    }

    async fn dataset_version_by_hash(
        &self,
        name: &DatasetName,
        content_hash: &ContentHash,
    ) -> Result<Option<DatasetVersion>, StoreError> {
        let version: Option<u64> = redis::cmd("HGET")
            .arg(self.keys.dataset_by_hash(name))
            .arg(content_hash.as_str())
            .query_async(&mut self.conn())
            .await?;
        match version {
            Some(version) => self.dataset_version(name, version).await,
            None => Ok(None),
        }
    }
}

pub(crate) fn parse_meta(key: &str, meta: &str) -> Result<DatasetVersion, StoreError> {
    serde_json::from_str(meta).map_err(|e| corrupt(key, e))
}

impl Store {
    /// Records `[start, end)` of the version with `content_hash` (a chunk of a run's
    /// sample), read with one `LRANGE` of the blocks that hold them; records past the
    /// end are left out.
    pub async fn dataset_record_range(
        &self,
        name: &DatasetName,
        content_hash: &ContentHash,
        start: u64,
        end: u64,
    ) -> Result<Vec<DatasetRecord>, StoreError> {
        if end <= start {
            return Ok(Vec::new());
        }
        let key = self.keys.dataset_blocks(name, content_hash);
        let blocks: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(&key)
            .arg(record_blocks::block_of(start))
            .arg(record_blocks::block_of(end - 1))
            .query_async(&mut self.conn())
            .await?;
        record_blocks::cut_range(&key, &blocks, start, end)
    }

    /// The records at sample positions `indices` of the version with `content_hash`
    /// (a chunk of a retry), read in one round trip; positions past the end are left out.
    pub async fn dataset_records_at(
        &self,
        name: &DatasetName,
        content_hash: &ContentHash,
        indices: &[u64],
    ) -> Result<Vec<DatasetRecord>, StoreError> {
        if indices.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.keys.dataset_blocks(name, content_hash);
        let mut numbers: Vec<u64> = indices
            .iter()
            .map(|i| record_blocks::block_of(*i))
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        let mut pipe = redis::pipe();
        for number in &numbers {
            pipe.cmd("LINDEX").arg(&key).arg(*number);
        }
        let blocks: Vec<Option<Vec<u8>>> = pipe.query_async(&mut self.conn()).await?;
        let blocks: Vec<(u64, Option<Vec<u8>>)> = numbers.into_iter().zip(blocks).collect();
        record_blocks::pick(&key, indices, &blocks)
    }
}
