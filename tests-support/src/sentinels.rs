//! `Sentinels`: `redis-sentinel` processes of a test's own (Debian package
//! `redis-sentinel`) watching a `PrivateRedis` primary, for failover tests. Quick
//! to decide: a primary silent for a second is down, and two sentinels agree.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::child::ChildGuard;
use crate::private_redis::{PrivateRedis, free_port};

/// The name the sentinels know the primary by.
pub const MASTER: &str = "tally-test";

pub struct Sentinels {
    ports: Vec<u16>,
    _servers: Vec<ChildGuard>,
    /// Each sentinel rewrites its configuration file: a directory of the test's own.
    dir: PathBuf,
}

impl Sentinels {
    /// Three sentinels (quorum two) over `primary`; returns once they know each
    /// other and `replicas` replicas of it, so a failover can happen.
    pub fn start(primary: &PrivateRedis, replicas: usize) -> Sentinels {
        let dir =
            std::env::temp_dir().join(format!("tally-sentinels-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("sentinel dir");
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let servers = ports
            .iter()
            .map(|port| {
                let conf = dir.join(format!("sentinel-{port}.conf"));
                std::fs::write(
                    &conf,
                    format!(
                        "port {port}\nbind 127.0.0.1\ndir {dir}\n\
                         sentinel monitor {MASTER} 127.0.0.1 {primary} 2\n\
                         sentinel down-after-milliseconds {MASTER} 1000\n\
                         sentinel failover-timeout {MASTER} 10000\n\
                         sentinel parallel-syncs {MASTER} 1\n",
                        dir = dir.display(),
                        primary = primary.port()
                    ),
                )
                .expect("sentinel configuration");
                ChildGuard::new(
                    Command::new("redis-sentinel")
                        .arg(&conf)
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .expect("redis-sentinel starts (Debian package redis-sentinel)"),
                )
            })
            .collect();
        let sentinels = Sentinels {
            ports,
            _servers: servers,
            dir,
        };
        sentinels.wait_until(
            "the sentinels know each other and the replicas",
            |s, port| {
                let others = s.count(port, &["SENTINEL", "SENTINELS", MASTER]);
                let known = s.count(port, &["SENTINEL", "REPLICAS", MASTER]);
                others == Some(2) && known == Some(replicas)
            },
        );
        sentinels
    }

    /// `host:port` of each sentinel, comma-separated (`TALLY_REDIS_SENTINELS`).
    pub fn addresses(&self) -> String {
        self.ports
            .iter()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The port of the primary the first sentinel names now.
    pub fn primary_port(&self) -> Option<u16> {
        let value = command(
            self.ports[0],
            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER],
        )
        .ok()?;
        let address: Vec<String> = redis::from_redis_value(value).ok()?;
        address.get(1)?.parse().ok()
    }

    /// Waits until every sentinel names the primary on `port`.
    pub fn wait_for_primary(&self, port: u16) {
        self.wait_until("the sentinels name the new primary", |_, sentinel| {
            command(sentinel, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER])
                .ok()
                .and_then(|value| redis::from_redis_value::<Vec<String>>(value).ok())
                .is_some_and(|address| address.get(1) == Some(&port.to_string()))
        });
    }

    fn count(&self, port: u16, args: &[&str]) -> Option<usize> {
        match command(port, args).ok()? {
            redis::Value::Array(entries) => Some(entries.len()),
            _ => None,
        }
    }

    fn wait_until(&self, what: &str, check: impl Fn(&Sentinels, u16) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.ports.iter().all(|port| check(self, *port)) {
            assert!(Instant::now() < deadline, "{what}: not within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Sentinels {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn command(port: u16, args: &[&str]) -> redis::RedisResult<redis::Value> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let mut conn = client.get_connection()?;
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command.query(&mut conn)
}
