//! `StoreConnection`: the one connection every store call and job queue shares — to
//! `TALLY_REDIS_URL`, or to the primary the sentinels name, followed across a
//! failover.
//!
//! It wraps a `ConnectionManager` (which reconnects by itself to the address it was
//! made for). Through Sentinel, an answer that says the address is no longer the
//! primary — the connection dropped or refused, a timeout, `READONLY` from a demoted
//! primary — makes it ask the sentinels again (at most every `LOOKUP_INTERVAL`), and
//! when they name another primary, the manager is replaced: every clone (store calls
//! and apalis-redis queues alike) uses the new one from its next command. The failed
//! command itself returns its error, which its caller's backoff retries.
//!
//! Every command carries the response timeout, so a stalled Redis delays callers but
//! never holds them.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::FutureExt;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::sentinel::{Sentinel, SentinelNodeConnectionInfo};
use redis::{Cmd, IntoConnectionInfo, Pipeline, RedisError, RedisFuture, Value};

use super::settings::{SentinelSettings, StoreSettings};

/// Longest wait for a connection to open: a daemon started without Redis says so.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for an answer: a stalled Redis (`CLIENT PAUSE`, a slow disk) fails
/// the command, whose caller backs off and tries again.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);
/// The sentinels are asked again at most this often.
const LOOKUP_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct StoreConnection {
    shared: Arc<Shared>,
}

struct Shared {
    current: RwLock<Current>,
    follow: Option<Follow>,
}

#[derive(Clone)]
struct Current {
    /// Bumped each time the primary changes.
    generation: u64,
    address: String,
    /// What `manager` was made from: pub/sub connections open from it too.
    client: redis::Client,
    manager: ConnectionManager,
}

struct Follow {
    master: String,
    node: SentinelNodeConnectionInfo,
    lookup: tokio::sync::Mutex<Lookup>,
}

struct Lookup {
    sentinel: Sentinel,
    last: Option<Instant>,
}

fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_number_of_retries(2)
}

async fn manager_for(client: redis::Client) -> Result<Current, RedisError> {
    let address = client.get_connection_info().addr().to_string();
    let manager = ConnectionManager::new_with_config(client.clone(), manager_config()).await?;
    Ok(Current {
        generation: 0,
        address,
        client,
        manager,
    })
}

/// A client of the primary as it is now: `TALLY_REDIS_URL`'s, or the one the
/// sentinels name (for a connection of its own, such as a subscription).
pub async fn primary_client(settings: &StoreSettings) -> Result<redis::Client, RedisError> {
    match &settings.sentinel {
        None => redis::Client::open(settings.redis_url.expose()),
        Some(sentinel) => Follow::new(settings, sentinel)?.primary().await,
    }
}

impl StoreConnection {
    /// Connects to the primary: `TALLY_REDIS_URL`, or the one the sentinels name.
    pub async fn connect(settings: &StoreSettings) -> Result<StoreConnection, RedisError> {
        let (current, follow) = match &settings.sentinel {
            None => {
                let client = redis::Client::open(settings.redis_url.expose())?;
                (manager_for(client).await?, None)
            }
            Some(sentinel) => {
                let mut follow = Follow::new(settings, sentinel)?;
                let client = follow.primary().await?;
                (manager_for(client).await?, Some(follow))
            }
        };
        Ok(StoreConnection {
            shared: Arc::new(Shared {
                current: RwLock::new(current),
                follow,
            }),
        })
    }

    /// A pub/sub connection of its own to the primary this connection uses now (it
    /// does not follow a failover: a subscriber whose connection drops subscribes
    /// again).
    pub async fn subscriber(&self) -> Result<redis::aio::PubSub, RedisError> {
        let client = self.current().client;
        match tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub()).await {
            Ok(pubsub) => pubsub,
            Err(_) => Err(RedisError::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no pub/sub connection within {CONNECT_TIMEOUT:?}"),
            ))),
        }
    }

    fn current(&self) -> Current {
        self.shared
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// After `error` on the connection of `generation`: asks the sentinels where the
    /// primary is, and moves there when it moved.
    async fn follow_after(&self, error: &RedisError, generation: u64) {
        let Some(follow) = &self.shared.follow else {
            return;
        };
        if !primary_may_have_moved(error) {
            return;
        }
        let mut lookup = follow.lookup.lock().await;
        // Another command saw the same failure and moved already, or asked just now.
        if self.current().generation != generation
            || lookup.last.is_some_and(|at| at.elapsed() < LOOKUP_INTERVAL)
        {
            return;
        }
        lookup.last = Some(Instant::now());
        // While the failover is under way the sentinels still name the old primary,
        // which does not answer: nothing changes until they agree on a new one.
        let Ok(client) = lookup
            .sentinel
            .async_master_for(&follow.master, Some(&follow.node))
            .await
        else {
            return;
        };
        let address = client.get_connection_info().addr().to_string();
        if address == self.current().address {
            return;
        }
        match manager_for(client).await {
            Ok(mut next) => {
                let mut current = self
                    .shared
                    .current
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                tracing::warn!(from = %current.address, to = %next.address, "the Redis primary moved; following it");
                next.generation = current.generation + 1;
                *current = next;
            }
            Err(error) => {
                tracing::warn!(to = %address, %error, "the sentinels name a new Redis primary that does not answer yet");
            }
        }
    }
}

impl Follow {
    fn new(settings: &StoreSettings, sentinel: &SentinelSettings) -> Result<Follow, RedisError> {
        // TALLY_REDIS_URL still gives what the primary needs besides its address:
        // password, user, database.
        let redis = settings
            .redis_url
            .expose()
            .into_connection_info()?
            .redis_settings()
            .clone();
        let sentinels: Vec<String> = sentinel
            .sentinels
            .iter()
            .map(|address| format!("redis://{address}"))
            .collect();
        Ok(Follow {
            master: sentinel.master.clone(),
            node: SentinelNodeConnectionInfo::default().set_redis_connection_info(redis),
            lookup: tokio::sync::Mutex::new(Lookup {
                sentinel: Sentinel::build(sentinels)?,
                last: None,
            }),
        })
    }

    async fn primary(&mut self) -> Result<redis::Client, RedisError> {
        let lookup = self.lookup.get_mut();
        lookup.last = Some(Instant::now());
        lookup
            .sentinel
            .async_master_for(&self.master, Some(&self.node))
            .await
    }
}

/// Whether `error` can mean the primary is elsewhere now: the connection failed or
/// timed out, or the server turned replica.
fn primary_may_have_moved(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.code() == Some("READONLY")
}

impl ConnectionLike for StoreConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        async move {
            let Current {
                generation,
                mut manager,
                ..
            } = self.current();
            let answer = manager.req_packed_command(cmd).await;
            if let Err(error) = &answer {
                self.follow_after(error, generation).await;
            }
            answer
        }
        .boxed()
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        async move {
            let Current {
                generation,
                mut manager,
                ..
            } = self.current();
            let answer = manager.req_packed_commands(pipeline, offset, count).await;
            if let Err(error) = &answer {
                self.follow_after(error, generation).await;
            }
            answer
        }
        .boxed()
    }

    fn get_db(&self) -> i64 {
        self.current().manager.get_db()
    }
}
