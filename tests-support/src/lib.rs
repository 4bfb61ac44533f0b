//! Fixtures for the workspace's integration tests, so every suite stands up and
//! tears down tally the same way:
//!
//! - `namespace`: the Redis of the tests (`TALLY_REDIS_URL`), a unique namespace per
//!   test, and `TestNamespace`, which deletes the namespace's keys when dropped, even
//!   when the test panics.
//! - `child`: `ChildGuard`, which kills and reaps a spawned process when dropped.
//! - `logs`: `CapturedLogs`, what the code under test logs, searchable.
//! - `private_redis`: `PrivateRedis`, a `redis-server` of a test's own (small
//!   `maxmemory`, a pause, a replica), for states the shared Redis must never be put
//!   in; `sentinels`: `Sentinels` watching one, for failover tests.
//! - `pipeline` (feature `pipeline`): `Harness`, a namespace of its own with
//!   gemini-emulator, workers and tally-api in the test process.
//!
//! Only tests depend on this crate; it is never published.

pub mod child;
pub mod logs;
pub mod namespace;
#[cfg(feature = "pipeline")]
pub mod pipeline;
pub mod private_redis;
pub mod sentinels;
