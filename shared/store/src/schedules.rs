//! Schedules and their slots: the definitions the API edits and the file seeds, the
//! claim that gives each slot exactly one run, the cursor of handled slots, the
//! record of skipped slots, and the once-per-run regression check.
//!
//! Definitions are rewritten by compare-and-set (a script replaces the stored JSON
//! only if it is still the text that was read), so an API edit, a pause and a seeding
//! replica never overwrite each other's change unseen.
//!
//! Who wins between the file and the API: the file creates a schedule and keeps
//! updating it while its stored `origin` is `file`. Any API write sets the origin to
//! `api`, after which the file no longer touches it; a schedule deleted through the
//! API is remembered, and the file does not bring it back (creating it again through
//! the API does).

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use redis::Script;

use super::error::{corrupt, parse_json};
use super::runs::{RunFilter, parse_time};
use super::{ApiStore, SchedulerStore, Store, StoreError};
use tally_core::run::RunId;
use tally_core::run::RunView;
use tally_core::schedule::{Schedule, ScheduleName, Slot};
pub use tally_core::schedule::{ScheduleOrigin, SkippedSlots, SlotRefusal};

/// How long a slot remembers its run. It must outlive every retry of the slot: a
/// slot is only tried while it is within the catch-up window (at most a day), and
/// the cursor moves past it as soon as it is handled.
const SLOT_TTL: Duration = Duration::from_secs(8 * 24 * 3600);
/// Skip records kept per schedule.
const SKIPS_KEPT: isize = 50;
/// Compare-and-set attempts before an edit gives up on a schedule that keeps changing.
const CAS_ATTEMPTS: usize = 8;

/// A stored schedule with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleView {
    pub schedule: Schedule,
    pub origin: ScheduleOrigin,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Slots count from here: set on creation, on resume and when the calendar
    /// changes, so a new, resumed or re-timed schedule never catches up old slots.
    pub active_since: DateTime<Utc>,
    /// The latest slot handled (run, failed to submit, or skipped).
    pub last_slot: Option<DateTime<Utc>>,
    /// The latest slot refused for lack of room, until a run is created.
    pub refusal: Option<SlotRefusal>,
}

impl ScheduleView {
    /// The next `count` fire times after `now` (none while paused).
    pub fn next_fire_times(&self, now: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        if self.schedule.paused {
            return Vec::new();
        }
        self.schedule
            .calendar
            .upcoming(now.max(self.active_since), count)
    }
}

/// What seeding did with one schedule of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOutcome {
    Created,
    Updated,
    Unchanged,
    /// Edited through the API: the stored version wins.
    KeptApiVersion,
    /// Deleted through the API: not brought back.
    DeletedThroughApi,
}

/// Where a slot stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotClaim {
    /// This caller holds the claim and must submit (or release) the slot.
    Won,
    /// Another caller holds an unexpired claim.
    InProgress,
    /// The slot created this run.
    Done(RunId),
    /// The slot could not create a run, for this reason.
    Failed(String),
}

/// KEYS: schedule hash, names index, deleted set.
/// ARGV: name, expected definition ('' = must not exist), new definition, origin,
///       now, active_since ('' = keep), clear tombstone (0/1), respect tombstone (0/1).
/// Returns 1 when written, 0 when the definition changed meanwhile, 2 when the name
/// was deleted through the API and the tombstone is respected.
static SAVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if ARGV[8] == '1' and redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return 2 end
local current = redis.call('HGET', KEYS[1], 'definition') or ''
if current ~= ARGV[2] then return 0 end
if current == '' then redis.call('HSET', KEYS[1], 'created_at', ARGV[5]) end
redis.call('HSET', KEYS[1], 'definition', ARGV[3], 'origin', ARGV[4], 'updated_at', ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'active_since', ARGV[6]) end
redis.call('SADD', KEYS[2], ARGV[1])
if ARGV[7] == '1' then redis.call('SREM', KEYS[3], ARGV[1]) end
return 1
"#,
    )
});

/// KEYS: schedule hash, names index, deleted set, skips list. ARGV: name.
static DELETE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local existed = redis.call('DEL', KEYS[1], KEYS[4])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return existed
"#,
    )
});

/// KEYS: slot. ARGV: claim token, lease ms. Returns 'won' or the slot's value.
static CLAIM_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local value = redis.call('GET', KEYS[1])
if value then return value end
redis.call('SET', KEYS[1], 'claim:' .. ARGV[1], 'PX', ARGV[2])
return 'won'
"#,
    )
});

/// KEYS: slot. ARGV: claim token. Drops the claim if it is still this token's.
static RELEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('GET', KEYS[1]) == 'claim:' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"#,
    )
});

/// KEYS: schedule hash. ARGV: refusal JSON. Sets it only on a schedule that still
/// exists (a deleted one is not brought back as a hash without a definition).
static REFUSAL_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('HEXISTS', KEYS[1], 'definition') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'refusal', ARGV[1])
return 1
"#,
    )
});

/// KEYS: schedule hash. ARGV: slot ms. Moves the cursor forward only; returns 1
/// when this call moved it.
static CURSOR_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('HEXISTS', KEYS[1], 'definition') == 0 then return 0 end
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor') or '-1')
if cursor >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'cursor', ARGV[1])
return 1
"#,
    )
});

impl Store {
    /// Every schedule, by name. A stored schedule that no longer parses is an error
    /// naming its key.
    pub async fn schedules(&self) -> Result<Vec<ScheduleView>, StoreError> {
        let mut views = Vec::new();
        for name in self.schedule_names().await? {
            if let Some(view) = self.schedule(&name).await? {
                views.push(view);
            }
        }
        Ok(views)
    }

    /// The names of every schedule, sorted.
    pub async fn schedule_names(&self) -> Result<Vec<ScheduleName>, StoreError> {
        let key = self.keys.schedule_names();
        self.sorted_members(&key, ScheduleName::parse).await
    }

    pub async fn schedule(&self, name: &ScheduleName) -> Result<Option<ScheduleView>, StoreError> {
        Ok(self.read_schedule(name).await?.map(|(_, view)| view))
    }
}

impl ApiStore {
    /// Creates a schedule through the API. False when the name is taken.
    pub async fn create_schedule(
        &self,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let written = self
            .save_schedule(schedule, "", ScheduleOrigin::Api, now, Some(now), false)
            .await?;
        Ok(written == 1)
    }

    /// Replaces a schedule's definition through the API (the name is the schedule's
    /// own). None when there is no such schedule.
    pub async fn replace_schedule(
        &self,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduleView>, StoreError> {
        self.edit_schedule(&schedule.name, now, |_| schedule.clone())
            .await
    }

    /// Pauses or resumes a schedule through the API. None when there is no such
    /// schedule.
    pub async fn set_schedule_paused(
        &self,
        name: &ScheduleName,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduleView>, StoreError> {
        self.edit_schedule(name, now, |current| Schedule {
            paused,
            ..current.clone()
        })
        .await
    }

    /// Deletes a schedule through the API; the schedules file will not recreate it.
    /// Its runs stay. Returns whether it existed.
    pub async fn delete_schedule(&self, name: &ScheduleName) -> Result<bool, StoreError> {
        let existed: u32 = DELETE_SCRIPT
            .key(self.keys.schedule(name))
            .key(self.keys.schedule_names())
            .key(self.keys.deleted_schedules())
            .key(self.keys.schedule_skips(name))
            .arg(name.as_str())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(existed > 0)
    }
}

impl SchedulerStore {
    /// Seeds one schedule of the schedules file (see the module doc for who wins).
    pub async fn seed_schedule(
        &self,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<SeedOutcome, StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let current = self.read_schedule(&schedule.name).await?;
            let (expected, active_since, outcome) = match &current {
                None => ("", Some(now), SeedOutcome::Created),
                Some((_, view)) if view.origin == ScheduleOrigin::Api => {
                    return Ok(SeedOutcome::KeptApiVersion);
                }
                Some((_, view)) if view.schedule == *schedule => {
                    return Ok(SeedOutcome::Unchanged);
                }
                Some((raw, view)) => (
                    raw.as_str(),
                    restart_point(&view.schedule, schedule, now),
                    SeedOutcome::Updated,
                ),
            };
            match self
                .save_schedule(
                    schedule,
                    expected,
                    ScheduleOrigin::File,
                    now,
                    active_since,
                    true,
                )
                .await?
            {
                1 => return Ok(outcome),
                2 => return Ok(SeedOutcome::DeletedThroughApi),
                _ => continue,
            }
        }
        Err(busy(&self.keys.schedule(&schedule.name)))
    }

    /// Claims a slot for `lease`, unless it is claimed or done already. The winner
    /// submits the slot's run (with the slot's idempotency key) and records it with
    /// `record_slot_run`; if the winner dies first, the lease runs out and the next
    /// claimant submits again with the same key, which returns the same run.
    pub async fn claim_slot(
        &self,
        slot: &Slot,
        token: &str,
        lease: Duration,
    ) -> Result<SlotClaim, StoreError> {
        let key = self.keys.schedule_slot(&slot.schedule, slot.millis());
        let value: String = CLAIM_SCRIPT
            .key(&key)
            .arg(token)
            .arg(lease.as_millis().max(1) as u64)
            .invoke_async(&mut self.conn())
            .await?;
        if value == "won" {
            return Ok(SlotClaim::Won);
        }
        if let Some(run) = value.strip_prefix("run:") {
            return Ok(SlotClaim::Done(
                RunId::parse(run).map_err(|e| corrupt(&key, e))?,
            ));
        }
        if let Some(reason) = value.strip_prefix("failed:") {
            return Ok(SlotClaim::Failed(reason.to_string()));
        }
        Ok(SlotClaim::InProgress)
    }

    /// Marks a slot done with the run it created.
    pub async fn record_slot_run(&self, slot: &Slot, run: &RunId) -> Result<(), StoreError> {
        self.set_slot(slot, &format!("run:{run}")).await
    }

    /// Marks a slot as one that cannot create a run (e.g. its dataset is unknown), so
    /// it is not tried again on every tick.
    pub async fn record_slot_failure(&self, slot: &Slot, reason: &str) -> Result<(), StoreError> {
        self.set_slot(slot, &format!("failed:{reason}")).await
    }

    /// Gives up a claim after a transient error, so the slot is tried again.
    pub async fn release_slot(&self, slot: &Slot, token: &str) -> Result<(), StoreError> {
        let _: u8 = RELEASE_SCRIPT
            .key(self.keys.schedule_slot(&slot.schedule, slot.millis()))
            .arg(token)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Records that the run of `refusal.slot` was refused for lack of room, and when
    /// the slot is to be tried again.
    pub async fn record_slot_refusal(
        &self,
        name: &ScheduleName,
        refusal: &SlotRefusal,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(refusal).map_err(|e| corrupt("slot refusal", e))?;
        let _: u8 = REFUSAL_SCRIPT
            .key(self.keys.schedule(name))
            .arg(json)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Forgets the schedule's refusal once a slot's run was created.
    pub async fn clear_slot_refusal(&self, name: &ScheduleName) -> Result<(), StoreError> {
        redis::cmd("HDEL")
            .arg(self.keys.schedule(name))
            .arg("refusal")
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Moves the schedule's cursor to `slot` if it is behind it. Exactly one caller
    /// moves it past any slot, so whatever is recorded on moving it (skipped slots)
    /// is recorded once.
    pub async fn advance_schedule_cursor(
        &self,
        name: &ScheduleName,
        slot: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let moved: u8 = CURSOR_SCRIPT
            .key(self.keys.schedule(name))
            .arg(slot.timestamp_millis())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(moved == 1)
    }

    pub async fn record_skipped_slots(
        &self,
        name: &ScheduleName,
        skipped: &SkippedSlots,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(skipped).map_err(|e| corrupt("skipped slots", e))?;
        let key = self.keys.schedule_skips(name);
        redis::pipe()
            .cmd("LPUSH")
            .arg(&key)
            .arg(json)
            .ignore()
            .cmd("LTRIM")
            .arg(&key)
            .arg(0)
            .arg(SKIPS_KEPT - 1)
            .ignore()
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Claims the regression check of a finished scheduled run: true for exactly
    /// one caller per run. The mark never expires (like the run itself): a yearly
    /// schedule's run stays among its latest runs for years and must not alert again.
    pub async fn claim_run_check(&self, run: &RunId) -> Result<bool, StoreError> {
        let set: Option<String> = redis::cmd("SET")
            .arg(self.keys.run_check(run))
            .arg(1)
            .arg("NX")
            .query_async(&mut self.conn())
            .await?;
        Ok(set.is_some())
    }
}

impl Store {
    /// Where a slot stands, without claiming it (None: never claimed, or forgotten).
    pub async fn slot_state(&self, slot: &Slot) -> Result<Option<SlotClaim>, StoreError> {
        let key = self.keys.schedule_slot(&slot.schedule, slot.millis());
        let value: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut self.conn())
            .await?;
        Ok(match value {
            None => None,
            Some(value) => Some(match value.split_once(':') {
                Some(("run", run)) => {
                    SlotClaim::Done(RunId::parse(run).map_err(|e| corrupt(&key, e))?)
                }
                Some(("failed", reason)) => SlotClaim::Failed(reason.to_string()),
                _ => SlotClaim::InProgress,
            }),
        })
    }

    /// The latest skip records of a schedule, newest first.
    pub async fn skipped_slots(
        &self,
        name: &ScheduleName,
        limit: usize,
    ) -> Result<Vec<SkippedSlots>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let key = self.keys.schedule_skips(name);
        let raw: Vec<String> = redis::cmd("LRANGE")
            .arg(&key)
            .arg(0)
            .arg(limit as isize - 1)
            .query_async(&mut self.conn())
            .await?;
        raw.iter().map(|json| parse_json(&key, json)).collect()
    }

    /// The latest runs a schedule created, newest first.
    pub async fn schedule_runs(
        &self,
        name: &ScheduleName,
        limit: usize,
    ) -> Result<Vec<RunView>, StoreError> {
        let filter = RunFilter {
            schedule: Some(name.to_string()),
            ..RunFilter::default()
        };
        self.list_runs(&filter, 0, limit).await
    }

    async fn set_slot(&self, slot: &Slot, value: &str) -> Result<(), StoreError> {
        redis::cmd("SET")
            .arg(self.keys.schedule_slot(&slot.schedule, slot.millis()))
            .arg(value)
            .arg("EX")
            .arg(SLOT_TTL.as_secs())
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }

    /// An API edit: `change` applied to the stored schedule, written by
    /// compare-and-set (retried when another writer got there first).
    async fn edit_schedule(
        &self,
        name: &ScheduleName,
        now: DateTime<Utc>,
        change: impl Fn(&Schedule) -> Schedule,
    ) -> Result<Option<ScheduleView>, StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let Some((raw, view)) = self.read_schedule(name).await? else {
                return Ok(None);
            };
            let changed = change(&view.schedule);
            let active_since = restart_point(&view.schedule, &changed, now);
            if self
                .save_schedule(
                    &changed,
                    &raw,
                    ScheduleOrigin::Api,
                    now,
                    active_since,
                    false,
                )
                .await?
                == 1
            {
                return self.schedule(name).await;
            }
        }
        Err(busy(&self.keys.schedule(name)))
    }

    async fn save_schedule(
        &self,
        schedule: &Schedule,
        expected: &str,
        origin: ScheduleOrigin,
        now: DateTime<Utc>,
        active_since: Option<DateTime<Utc>>,
        respect_tombstone: bool,
    ) -> Result<u8, StoreError> {
        let definition =
            serde_json::to_string(schedule).map_err(|e| corrupt("schedule definition", e))?;
        let written: u8 = SAVE_SCRIPT
            .key(self.keys.schedule(&schedule.name))
            .key(self.keys.schedule_names())
            .key(self.keys.deleted_schedules())
            .arg(schedule.name.as_str())
            .arg(expected)
            .arg(definition)
            .arg(origin.as_str())
            .arg(now.to_rfc3339())
            .arg(active_since.map(|t| t.to_rfc3339()).unwrap_or_default())
            .arg(u8::from(origin == ScheduleOrigin::Api))
            .arg(u8::from(respect_tombstone))
            .invoke_async(&mut self.conn())
            .await?;
        Ok(written)
    }

    /// The stored definition text (for compare-and-set) and the parsed view.
    async fn read_schedule(
        &self,
        name: &ScheduleName,
    ) -> Result<Option<(String, ScheduleView)>, StoreError> {
        let key = self.keys.schedule(name);
        let fields: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(&key)
            .arg(&[
                "definition",
                "origin",
                "created_at",
                "updated_at",
                "active_since",
                "cursor",
                "refusal",
            ])
            .query_async(&mut self.conn())
            .await?;
        let [
            definition,
            origin,
            created_at,
            updated_at,
            active_since,
            cursor,
            refusal,
        ] = <[Option<String>; 7]>::try_from(fields)
            .map_err(|_| corrupt(&key, "HMGET returned the wrong number of fields"))?;
        let Some(definition) = definition else {
            return Ok(None);
        };
        let last_slot = cursor
            .map(|ms| {
                ms.parse::<i64>()
                    .ok()
                    .and_then(DateTime::<Utc>::from_timestamp_millis)
                    .ok_or_else(|| corrupt(&key, format!("cursor {ms:?} is not a time")))
            })
            .transpose()?;
        let created_at = parse_time(&key, created_at.as_deref())?.unwrap_or_default();
        let view = ScheduleView {
            schedule: parse_json(&key, &definition)?,
            origin: parse_json(&key, &format!("\"{}\"", origin.unwrap_or_default()))?,
            created_at,
            updated_at: parse_time(&key, updated_at.as_deref())?.unwrap_or(created_at),
            active_since: parse_time(&key, active_since.as_deref())?.unwrap_or(created_at),
            last_slot,
            refusal: refusal.map(|json| parse_json(&key, &json)).transpose()?,
        };
        Ok(Some((definition, view)))
    }
}

/// When `after` starts counting slots, replacing `before` at `now`: from now if it
/// fires at other times or is being resumed (missed and paused slots are not caught
/// up), else unchanged (None).
fn restart_point(before: &Schedule, after: &Schedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let resumed = before.paused && !after.paused;
    (before.calendar_differs(after) || resumed).then_some(now)
}

fn busy(key: &str) -> StoreError {
    StoreError::Contended {
        key: key.to_string(),
    }
}
