//! `StoreCondition`: what state Redis is in, as far as tally is concerned — from the
//! health probe, or from the error a command failed with.
//!
//! The classes matter because they call for different answers: a full Redis is
//! reachable but refuses writes (free memory or raise `maxmemory`), a read-only one
//! is a replica or a primary mid-failover, a loading one is replaying its data after
//! a restart, an unreachable one is down or cut off.

use serde::Serialize;

use super::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreCondition {
    /// Answers reads and writes.
    Reachable,
    /// Answers reads and writes, but slower than `health::SLOW`.
    Slow,
    /// Over `maxmemory` with `noeviction`: reads answer, writes are refused (`OOM`).
    OutOfMemory,
    /// A replica, or a primary that lost its replicas' quorum: writes are refused
    /// (`READONLY`, `MASTERDOWN`, `NOREPLICAS`).
    ReadOnly,
    /// Loading its data set after a restart (`LOADING`).
    Loading,
    /// No answer: down, unreachable, or not answering in time.
    Unreachable,
}

impl StoreCondition {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreCondition::Reachable => "reachable",
            StoreCondition::Slow => "slow",
            StoreCondition::OutOfMemory => "out_of_memory",
            StoreCondition::ReadOnly => "read_only",
            StoreCondition::Loading => "loading",
            StoreCondition::Unreachable => "unreachable",
        }
    }

    /// Whether writes go through (tally makes progress).
    pub fn accepts_writes(self) -> bool {
        matches!(self, StoreCondition::Reachable | StoreCondition::Slow)
    }

    /// What an operator reads: the condition and what to do about it.
    pub fn explanation(self) -> &'static str {
        match self {
            StoreCondition::Reachable => "the store (Redis) answers",
            StoreCondition::Slow => "the store (Redis) answers, slowly",
            StoreCondition::OutOfMemory => {
                "the store (Redis) is out of memory and refuses writes; free memory or raise maxmemory"
            }
            StoreCondition::ReadOnly => {
                "the store (Redis) is read-only (a replica, or a failover in progress) and refuses writes"
            }
            StoreCondition::Loading => "the store (Redis) is loading its data after a restart",
            StoreCondition::Unreachable => "the store (Redis) is unreachable",
        }
    }

    /// The condition a Redis error reveals; `None` for an error that says nothing
    /// about Redis itself (a wrong type, a script bug).
    pub fn of_redis(error: &redis::RedisError) -> Option<StoreCondition> {
        match error.code() {
            Some("OOM") => return Some(StoreCondition::OutOfMemory),
            Some("READONLY" | "MASTERDOWN" | "NOREPLICAS") => {
                return Some(StoreCondition::ReadOnly);
            }
            Some("LOADING") => return Some(StoreCondition::Loading),
            _ => {}
        }
        if error.is_io_error()
            || error.is_timeout()
            || error.is_connection_dropped()
            || error.is_connection_refusal()
        {
            return Some(StoreCondition::Unreachable);
        }
        // A write refused inside a script comes back as the script's error, with
        // Redis's message in its text.
        StoreCondition::of_message(&error.to_string())
    }

    /// The condition named in an error known only as text (the job queue library
    /// wraps Redis errors in its own).
    pub fn of_message(text: &str) -> Option<StoreCondition> {
        const MARKERS: [(&str, StoreCondition); 6] = [
            (
                "command not allowed when used memory",
                StoreCondition::OutOfMemory,
            ),
            ("READONLY", StoreCondition::ReadOnly),
            ("MASTERDOWN", StoreCondition::ReadOnly),
            ("NOREPLICAS", StoreCondition::ReadOnly),
            ("LOADING", StoreCondition::Loading),
            ("Connection refused", StoreCondition::Unreachable),
        ];
        MARKERS
            .iter()
            .find(|(marker, _)| text.contains(marker))
            .map(|(_, condition)| *condition)
    }
}

impl std::fmt::Display for StoreCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StoreError {
    /// The condition of Redis this error reveals, if it reveals one.
    pub fn condition(&self) -> Option<StoreCondition> {
        match self {
            StoreError::Redis(error) => StoreCondition::of_redis(error),
            StoreError::Corrupt { .. }
            | StoreError::Contended { .. }
            | StoreError::WontFit(_)
            | StoreError::Unanswered => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_read_from_redis_messages() {
        // As redis-rs shows a refusal inside a script.
        let oom = "\"OOM\": command not allowed when used memory > 'maxmemory'. script: 5c1d";
        assert_eq!(
            StoreCondition::of_message(&format!("worker stopped: {oom}")),
            Some(StoreCondition::OutOfMemory)
        );
        assert_eq!(
            StoreCondition::of_message("READONLY You can't write against a read only replica."),
            Some(StoreCondition::ReadOnly)
        );
        assert_eq!(StoreCondition::of_message("WRONGTYPE"), None);
        assert!(!StoreCondition::OutOfMemory.accepts_writes());
        assert!(StoreCondition::Slow.accepts_writes());
    }
}
