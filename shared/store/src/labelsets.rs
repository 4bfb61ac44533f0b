//! Label sets: scanned records people label in the workbench. The set itself (its
//! records and their pages, the pre-fill run, the publishes) is one JSON value;
//! leases, who labelled what, and each record's append-only list of labels sit
//! beside it, so that handing out a record and labelling it are each one script.
//!
//! A lease is `"<expires ms>|<labeller>"` in the set's lease hash; an expired one is
//! as good as none (it is overwritten by the next lease), so no sweeper is needed.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use redis::Script;
use serde::{Deserialize, Serialize};
use tally_core::contract::views::{LabelView, PublishedVersion};

use super::error::parse_json;
use super::{ApiStore, Store, StoreError};

/// A label set as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelSet {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub records: Vec<LabelSetRecord>,
    #[serde(default)]
    pub prefill: Option<Prefill>,
    #[serde(default)]
    pub published: Vec<PublishedVersion>,
}

/// One unit of scans: its pages, relative to the data directory, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSetRecord {
    pub id: String,
    pub pages: Vec<String>,
}

/// The run that drafts the records, over the hidden dataset version holding them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    pub run_id: String,
    pub experiment_id: String,
}

/// A lease held on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub labeller: String,
    pub expires_ms: i64,
}

/// The record `next` handed out, or why a label was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelWrite {
    Written,
    /// Someone else holds a live lease on the record.
    Held(Lease),
}

/// Creates the set unless the name is taken.
static CREATE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SADD', KEYS[2], ARGV[2])
  return 1
end
return 0
"#,
    )
});

/// The lease parts of both scripts: the live holder of a record, if any.
const HOLDER_LUA: &str = r#"
local function holder(id, now)
  local v = redis.call('HGET', KEYS[1], id)
  if not v then return nil end
  local sep = string.find(v, '|', 1, true)
  if not sep or tonumber(string.sub(v, 1, sep - 1)) <= now then return nil end
  return string.sub(v, sep + 1), string.sub(v, 1, sep - 1)
end
"#;

/// KEYS: leases, labelled-by. ARGV: caller, now ms, lease ms, second ("1"/"0"),
/// then the record ids in order. The caller's own live lease is renewed first;
/// otherwise the first record nobody holds that nobody labelled (second: that
/// someone else labelled and the caller did not).
static NEXT_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r#"{HOLDER_LUA}
local caller, now, ms, second = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
local expires = string.format('%d', now + ms)
for i = 5, #ARGV do
  if holder(ARGV[i], now) == caller then
    redis.call('HSET', KEYS[1], ARGV[i], expires .. '|' .. caller)
    return {{ARGV[i], expires}}
  end
end
for i = 5, #ARGV do
  local id = ARGV[i]
  if holder(id, now) == nil then
    local raw = redis.call('HGET', KEYS[2], id)
    local by = {{}}
    if raw then by = cjson.decode(raw) end
    local mine = false
    for _, name in ipairs(by) do if name == caller then mine = true end end
    if (not second and #by == 0) or (second and #by > 0 and not mine) then
      redis.call('HSET', KEYS[1], id, expires .. '|' .. caller)
      return {{id, expires}}
    end
  end
end
return false
"#
    ))
});

/// KEYS: leases, labelled-by, the record's labels. ARGV: record id, caller, now ms,
/// the label JSON. Refused while another holds a live lease; otherwise the label is
/// appended, the caller noted as a labeller and the lease released.
static LABEL_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r#"{HOLDER_LUA}
local id, caller, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local held, expires = holder(id, now)
if held and held ~= caller then return {{'held', held, expires}} end
redis.call('RPUSH', KEYS[3], ARGV[4])
local raw = redis.call('HGET', KEYS[2], id)
local by = {{}}
if raw then by = cjson.decode(raw) end
local mine = false
for _, name in ipairs(by) do if name == caller then mine = true end end
if not mine then
  table.insert(by, caller)
  redis.call('HSET', KEYS[2], id, cjson.encode(by))
end
redis.call('HDEL', KEYS[1], id)
return {{'ok'}}
"#
    ))
});

impl Store {
    /// The names of every label set, sorted.
    pub async fn labelset_names(&self) -> Result<Vec<String>, StoreError> {
        let key = self.keys.labelset_names();
        self.sorted_members(&key, |name| Ok::<_, StoreError>(name.to_string()))
            .await
    }

    pub async fn labelset(&self, name: &str) -> Result<Option<LabelSet>, StoreError> {
        let key = self.keys.labelset(name);
        let raw: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut self.conn())
            .await?;
        raw.map(|raw| parse_json(&key, &raw)).transpose()
    }

    /// Live leases by record id (expired ones are left out).
    pub async fn labelset_leases(
        &self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, Lease>, StoreError> {
        let raw: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.labelset_leases(name))
            .query_async(&mut self.conn())
            .await?;
        let now = now.timestamp_millis();
        Ok(raw
            .into_iter()
            .filter_map(|(id, value)| {
                let (expires, labeller) = value.split_once('|')?;
                let expires_ms: i64 = expires.parse().ok()?;
                (expires_ms > now).then(|| {
                    (
                        id,
                        Lease {
                            labeller: labeller.to_string(),
                            expires_ms,
                        },
                    )
                })
            })
            .collect())
    }

    /// Every label of `record`, oldest first.
    pub async fn labelset_labels(
        &self,
        name: &str,
        record: &str,
    ) -> Result<Vec<LabelView>, StoreError> {
        let key = self.keys.labelset_labels(name, record);
        let raw: Vec<String> = redis::cmd("LRANGE")
            .arg(&key)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await?;
        raw.iter().map(|line| parse_json(&key, line)).collect()
    }

    /// The labels of each of `records`, in one round trip.
    pub async fn labelset_all_labels(
        &self,
        name: &str,
        records: &[LabelSetRecord],
    ) -> Result<Vec<Vec<LabelView>>, StoreError> {
        let mut pipe = redis::pipe();
        for record in records {
            pipe.cmd("LRANGE")
                .arg(self.keys.labelset_labels(name, &record.id))
                .arg(0)
                .arg(-1);
        }
        let raw: Vec<Vec<String>> = pipe.query_async(&mut self.conn()).await?;
        raw.iter()
            .zip(records)
            .map(|(lines, record)| {
                let key = self.keys.labelset_labels(name, &record.id);
                lines.iter().map(|line| parse_json(&key, line)).collect()
            })
            .collect()
    }
}

impl ApiStore {
    /// Stores a new label set; false when the name is taken.
    pub async fn create_labelset(&self, set: &LabelSet) -> Result<bool, StoreError> {
        let json = serde_json::to_string(set).map_err(|e| StoreError::Corrupt {
            key: self.keys.labelset(&set.name),
            message: e.to_string(),
        })?;
        let created: u32 = CREATE_SCRIPT
            .key(self.keys.labelset(&set.name))
            .key(self.keys.labelset_names())
            .arg(json)
            .arg(&set.name)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(created == 1)
    }

    /// Replaces a label set's stored value (its pre-fill run, its publishes).
    pub async fn save_labelset(&self, set: &LabelSet) -> Result<(), StoreError> {
        let key = self.keys.labelset(&set.name);
        let json = serde_json::to_string(set).map_err(|e| StoreError::Corrupt {
            key: key.clone(),
            message: e.to_string(),
        })?;
        let _: () = redis::cmd("SET")
            .arg(&key)
            .arg(json)
            .arg("XX")
            .query_async(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Leases the next record of `set` to `caller` (see `NEXT_SCRIPT`); `None` when
    /// there is none to hand out.
    pub async fn lease_next_record(
        &self,
        set: &LabelSet,
        caller: &str,
        now: DateTime<Utc>,
        lease_ms: i64,
        second: bool,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let mut invocation = NEXT_SCRIPT.key(self.keys.labelset_leases(&set.name));
        invocation
            .key(self.keys.labelset_labelled(&set.name))
            .arg(caller)
            .arg(now.timestamp_millis())
            .arg(lease_ms)
            .arg(if second { "1" } else { "0" });
        for record in &set.records {
            invocation.arg(&record.id);
        }
        let leased: Option<(String, String)> = invocation.invoke_async(&mut self.conn()).await?;
        Ok(leased.and_then(|(id, expires)| Some((id, expires.parse().ok()?))))
    }

    /// Appends `label` to the record's labels and releases its lease, unless another
    /// labeller holds a live lease on it.
    pub async fn write_label(
        &self,
        set: &str,
        record: &str,
        label: &LabelView,
        now: DateTime<Utc>,
    ) -> Result<LabelWrite, StoreError> {
        let key = self.keys.labelset_labels(set, record);
        let json = serde_json::to_string(label).map_err(|e| StoreError::Corrupt {
            key: key.clone(),
            message: e.to_string(),
        })?;
        let answer: Vec<String> = LABEL_SCRIPT
            .key(self.keys.labelset_leases(set))
            .key(self.keys.labelset_labelled(set))
            .key(key)
            .arg(record)
            .arg(&label.labeller)
            .arg(now.timestamp_millis())
            .arg(json)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(match answer.as_slice() {
            [held, labeller, expires] if held == "held" => LabelWrite::Held(Lease {
                labeller: labeller.clone(),
                expires_ms: expires.parse().unwrap_or_default(),
            }),
            _ => LabelWrite::Written,
        })
    }
}
