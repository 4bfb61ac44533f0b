//! Whether the queues are being worked, read from apalis-redis's own keys (for the
//! `/metrics` gauges behind the "no workers" and "queue stuck" alerts): how long the
//! job next in line of each queue has waited, and how many workers beat recently.
//!
//! A job waits in the queue's `scheduled` set (scored by when it is due, in seconds)
//! until a worker's fetch moves it to the `active` list, whose head is taken next.
//! Job ids are ULIDs minted at push, so the head's id says when it was enqueued.
//! Every worker process beats on each queue's `workers` set (scored by the time of
//! its last beat); a worker that stopped beating is dropped from it by orphan
//! recovery, or simply ages out of the window counted here. (`apalis_layout` names
//! these keys and reads their values.)

use std::time::Duration;

use redis::Value;

use super::apalis_layout::{self, QueueLayout};
use super::layouts;
use crate::{Store, StoreError};

/// A worker counts as alive when it beat on the chunk queue within this long: four
/// times the default heartbeat, and above any sensible `TALLY_HEARTBEAT_SECS`.
pub const WORKER_ALIVE_WITHIN: Duration = Duration::from_secs(60);

/// How long the job next in line of one queue has waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueAge {
    /// `plan`, `chunk` or `finalize`.
    pub kind: &'static str,
    /// `None` when nothing waits.
    pub oldest_waiting: Option<Duration>,
}

impl Store {
    /// The wait of the job next in line of each queue at `now_ms` (Unix time in
    /// milliseconds): the older of the active list's head and the earliest due
    /// scheduled job. One round trip.
    pub async fn oldest_waiting(&self, now_ms: u64) -> Result<Vec<QueueAge>, StoreError> {
        let layouts = layouts(&self.keys);
        let mut pipe = redis::pipe();
        for (_, layout) in &layouts {
            pipe.cmd("LINDEX").arg(layout.active()).arg(0);
            pipe.cmd("ZRANGE")
                .arg(layout.scheduled())
                .arg(0)
                .arg(0)
                .arg("WITHSCORES");
        }
        let replies: Vec<Value> = pipe.query_async(&mut self.conn()).await?;
        Ok(layouts
            .iter()
            .zip(replies.chunks(2))
            .map(|((kind, _), pair)| {
                let head = enqueued_ms_of_head(&pair[0]);
                let due = due_ms_of_first_scheduled(&pair[1]).filter(|due| *due <= now_ms);
                let oldest = head.into_iter().chain(due).min();
                QueueAge {
                    kind,
                    oldest_waiting: oldest
                        .map(|since| Duration::from_millis(now_ms.saturating_sub(since))),
                }
            })
            .collect())
    }

    /// Worker processes whose last beat on the chunk queue is at most `within` old
    /// at `now_secs` (Unix time in seconds). Every worker process takes chunk jobs,
    /// so this counts each process once.
    pub async fn workers_alive(&self, now_secs: u64, within: Duration) -> Result<u64, StoreError> {
        let since = now_secs.saturating_sub(within.as_secs());
        let alive: u64 = redis::cmd("ZCOUNT")
            .arg(QueueLayout::of(&self.keys, "chunk").workers())
            .arg(since)
            .arg("+inf")
            .query_async(&mut self.conn())
            .await?;
        Ok(alive)
    }

    /// When the apalis worker named `worker` last beat on the `kind` queue (Unix
    /// seconds); `None` when it is not registered (not yet, or dropped by another
    /// worker's orphan recovery).
    pub async fn worker_beat(&self, kind: &str, worker: &str) -> Result<Option<u64>, StoreError> {
        let score: Option<f64> = redis::cmd("ZSCORE")
            .arg(QueueLayout::of(&self.keys, kind).workers())
            .arg(worker)
            .query_async(&mut self.conn())
            .await?;
        Ok(score.map(|seconds| seconds.max(0.0) as u64))
    }
}

/// The enqueue time of the active list's head, from its ULID (none when the list is
/// empty or the id is not a ULID).
fn enqueued_ms_of_head(reply: &Value) -> Option<u64> {
    let id = match reply {
        Value::BulkString(bytes) => std::str::from_utf8(bytes).ok()?,
        Value::SimpleString(text) => text.as_str(),
        _ => return None,
    };
    apalis_layout::enqueued_ms(id)
}

/// The due time of the earliest scheduled job (`[id, score]`).
fn due_ms_of_first_scheduled(reply: &Value) -> Option<u64> {
    let score = match reply {
        Value::Array(items) => items.get(1)?,
        _ => return None,
    };
    let seconds: f64 = match score {
        Value::BulkString(bytes) => std::str::from_utf8(bytes).ok()?.parse().ok()?,
        Value::Double(value) => *value,
        Value::Int(value) => *value as f64,
        _ => return None,
    };
    apalis_layout::score_ms(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ulid_head_gives_its_enqueue_time() {
        let ulid = ulid::Ulid::from_parts(1_700_000_000_123, 42);
        let reply = Value::BulkString(ulid.to_string().into_bytes());
        assert_eq!(enqueued_ms_of_head(&reply), Some(1_700_000_000_123));
        assert_eq!(enqueued_ms_of_head(&Value::Nil), None);
        assert_eq!(
            enqueued_ms_of_head(&Value::BulkString(b"not-a-ulid".to_vec())),
            None
        );
    }

    #[test]
    fn the_first_scheduled_score_is_read_in_seconds() {
        let reply = Value::Array(vec![
            Value::BulkString(b"job".to_vec()),
            Value::BulkString(b"1700000000".to_vec()),
        ]);
        assert_eq!(due_ms_of_first_scheduled(&reply), Some(1_700_000_000_000));
        assert_eq!(due_ms_of_first_scheduled(&Value::Array(vec![])), None);
    }
}
