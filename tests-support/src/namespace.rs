//! A Redis namespace of its own for each test, and nothing left behind after it.
//!
//! The suites share one Redis, `TALLY_REDIS_URL` (default `redis://127.0.0.1:6379`,
//! as for the daemons), and keep apart by namespace: `unique_namespace` names a fresh
//! one, and `TestNamespace` owns one and deletes every key under it when it is
//! dropped — at the end of the test, or while the test unwinds from a failed
//! assertion. The keys of a namespace `ns` are `ns:*` and, for the job queues,
//! `{ns}:*` (`tally_store::Keys`).

use redis::{Commands, RedisResult};
use tally_store::{
    DEFAULT_REDIS_URL, Keys, NAMESPACE_ENV, Namespace, REDIS_URL_ENV, SENTINEL_MASTER_ENV,
    SENTINELS_ENV, StoreSettings,
};

/// The Redis the tests use: `TALLY_REDIS_URL`, or the local default.
pub fn redis_url() -> String {
    std::env::var(REDIS_URL_ENV).unwrap_or_else(|_| DEFAULT_REDIS_URL.to_string())
}

/// A connection to `redis_url()`, for reading or writing keys directly.
pub async fn redis_connection() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .expect("TALLY_REDIS_URL is a Redis URL")
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|error| panic!("Redis at {}: {error}", redis_url()))
}

/// A namespace no other test (in this process or another) uses:
/// `test:<label>:<64 random bits>`.
pub fn unique_namespace(label: &str) -> Namespace {
    let name = format!("test:{label}:{:016x}", rand::random::<u64>());
    Namespace::parse(&name).expect("a valid test namespace")
}

/// Every value stored under `key`, whatever its type (a string is one value, a hash
/// its fields and values); `None` for a missing key or a type other than string,
/// hash, list, set and sorted set.
pub async fn stored_values(
    conn: &mut redis::aio::MultiplexedConnection,
    key: &str,
) -> Option<Vec<Vec<u8>>> {
    let kind: String = redis::cmd("TYPE")
        .arg(key)
        .query_async(conn)
        .await
        .expect("TYPE");
    let read = match kind.as_str() {
        "string" => {
            let value: Vec<u8> = redis::cmd("GET")
                .arg(key)
                .query_async(conn)
                .await
                .expect("GET");
            return Some(vec![value]);
        }
        "hash" => redis::cmd("HGETALL").arg(key).clone(),
        "list" => redis::cmd("LRANGE").arg(key).arg(0).arg(-1).clone(),
        "set" => redis::cmd("SMEMBERS").arg(key).clone(),
        "zset" => redis::cmd("ZRANGE").arg(key).arg(0).arg(-1).clone(),
        _ => return None,
    };
    Some(read.query_async(conn).await.expect("read"))
}

/// A unique namespace, owned by one test: its keys are deleted when it is dropped,
/// even by a panic. Keep it alive as long as the test uses the namespace.
#[derive(Debug)]
pub struct TestNamespace {
    namespace: Namespace,
}

impl TestNamespace {
    /// A fresh `unique_namespace(label)`.
    pub fn new(label: &str) -> TestNamespace {
        TestNamespace {
            namespace: unique_namespace(label),
        }
    }

    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// Store settings for this namespace on `redis_url()`.
    pub fn store_settings(&self) -> StoreSettings {
        let (url, namespace) = (redis_url(), self.namespace.to_string());
        StoreSettings::from_lookup(|name| match name {
            REDIS_URL_ENV => Some(url.clone()),
            NAMESPACE_ENV => Some(namespace.clone()),
            // A failover test finds the primary through its sentinels.
            SENTINELS_ENV | SENTINEL_MASTER_ENV => std::env::var(name).ok(),
            _ => None,
        })
        .expect("valid test store settings")
    }

    /// Every key of the namespace, queues included, sorted.
    pub async fn keys(&self) -> Vec<String> {
        let mut conn = redis_connection().await;
        let mut keys = Vec::new();
        for pattern in patterns(&self.namespace) {
            let mut found = redis::AsyncCommands::scan_match::<_, String>(&mut conn, &pattern)
                .await
                .expect("SCAN");
            while let Some(key) = found.next_item().await {
                keys.push(key.expect("a key name"));
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }
}

impl Drop for TestNamespace {
    /// Deletes the keys with a blocking connection: a drop cannot wait for a future,
    /// and it may run while the test's runtime is being torn down.
    fn drop(&mut self) {
        if let Err(error) = delete_keys(&self.namespace) {
            let message = format!("cleaning up test namespace {}: {error}", self.namespace);
            // A second panic while unwinding would abort the whole test binary.
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

/// What matches every key of `namespace`: its own keys and its job queues' keys.
fn patterns(namespace: &Namespace) -> [String; 2] {
    let keys = Keys::new(namespace.clone());
    [keys.all_pattern(), keys.queues_pattern()]
}

fn delete_keys(namespace: &Namespace) -> RedisResult<()> {
    let mut conn = redis::Client::open(redis_url())?.get_connection()?;
    for pattern in patterns(namespace) {
        let keys = conn
            .scan_match::<_, String>(&pattern)?
            .collect::<RedisResult<Vec<String>>>()?;
        for batch in keys.chunks(500) {
            conn.del::<_, ()>(batch)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::*;
    use tally_store::jobs::apalis_layout::QueueLayout;

    fn connection() -> redis::Connection {
        redis::Client::open(redis_url())
            .unwrap()
            .get_connection()
            .unwrap()
    }

    fn exists(conn: &mut redis::Connection, key: &str) -> bool {
        conn.exists(key).unwrap()
    }

    #[test]
    fn a_panicking_test_leaves_no_key_of_its_namespace_behind() {
        let mut conn = connection();
        let mut written = Vec::new();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let namespace = TestNamespace::new("support:guard");
            let keys = Keys::new(namespace.namespace().clone());
            written = vec![
                format!("{}:run:1", namespace.namespace()),
                QueueLayout::of(&keys, "chunk").data(),
            ];
            for key in &written {
                conn.set::<_, _, ()>(key, "value").unwrap();
            }
            assert!(written.iter().all(|key| exists(&mut conn, key)));
            panic!("the test fails with its keys written");
        }));
        assert!(outcome.is_err(), "the closure panicked");
        assert_eq!(written.len(), 2);
        for key in &written {
            assert!(!exists(&mut conn, key), "{key} was left behind");
        }
    }

    #[test]
    fn only_the_namespace_s_keys_are_deleted() {
        let mut conn = connection();
        let namespace = TestNamespace::new("support:scope");
        let inside = format!("{}:datasets", namespace.namespace());
        // Another namespace that starts with this one's name, as `ns` and `nsx` do.
        let outside = format!("{}x:datasets", namespace.namespace());
        conn.set::<_, _, ()>(&inside, "1").unwrap();
        conn.set::<_, _, ()>(&outside, "1").unwrap();
        drop(namespace);
        assert!(!exists(&mut conn, &inside));
        assert!(exists(&mut conn, &outside), "a neighbour's key is kept");
        conn.del::<_, ()>(&outside).unwrap();
    }

    #[test]
    fn namespaces_are_unique_and_valid() {
        let a = unique_namespace("support:unique");
        let b = unique_namespace("support:unique");
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("test:support:unique:"), "{a}");
    }
}
