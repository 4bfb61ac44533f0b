//! `PrivateRedis`: a `redis-server` of the test's own, on a free loopback port, for
//! tests that need Redis in a state the shared one must never be put in (a small
//! `maxmemory`, a restart, a pause, a replica to fail over to). It keeps no data on
//! disk and dies with its guard.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::child::ChildGuard;

pub struct PrivateRedis {
    port: u16,
    /// The arguments beyond the defaults, for `restart`.
    args: Vec<String>,
    server: ChildGuard,
}

impl PrivateRedis {
    /// Starts `redis-server` with `maxmemory` (e.g. `"4mb"`) and `noeviction` (the
    /// production policy: a full Redis refuses writes rather than drop keys); returns
    /// once it answers.
    pub fn start(maxmemory: &str) -> PrivateRedis {
        PrivateRedis::start_with(&["--maxmemory", maxmemory])
    }

    /// A replica of `primary` (no memory limit); returns once it holds the
    /// primary's data and follows its writes.
    pub fn start_replica_of(primary: &PrivateRedis) -> PrivateRedis {
        let replica =
            PrivateRedis::start_with(&["--replicaof", "127.0.0.1", &primary.port.to_string()]);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !replica
            .info("replication")
            .contains("master_link_status:up")
        {
            assert!(
                Instant::now() < deadline,
                "the replica on port {} does not sync",
                replica.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        replica
    }

    fn start_with(args: &[&str]) -> PrivateRedis {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        let port = free_port();
        let redis = PrivateRedis {
            port,
            server: spawn(port, &args),
            args,
        };
        redis.wait_until_it_answers();
        redis
    }

    /// Kills the server and starts a new, empty one on the same port (a Redis that
    /// came back after an outage, without its data); returns once it answers.
    pub fn restart(&mut self) {
        self.kill();
        self.server = spawn(self.port, &self.args);
        self.wait_until_it_answers();
    }

    fn wait_until_it_answers(&self) {
        let port = self.port;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.command(&["PING"]).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} does not answer"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server at once (`SIGKILL`): no shutdown, no goodbye to clients.
    pub fn kill(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }

    /// Freezes the server (`SIGSTOP`): connections stay open and nothing answers, as
    /// with a Redis host that dropped off the network. `restart` ends it.
    pub fn freeze(&self) {
        let frozen = Command::new("kill")
            .args(["-STOP", &self.server.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        assert!(frozen, "redis-server on port {} freezes", self.port);
    }

    /// Runs one command (`["CONFIG", "SET", "maxmemory", "64mb"]`).
    pub fn command(&self, args: &[&str]) -> redis::RedisResult<redis::Value> {
        let client = redis::Client::open(self.url())?;
        let mut conn = client.get_connection()?;
        let mut command = redis::cmd(args[0]);
        for arg in &args[1..] {
            command.arg(*arg);
        }
        command.query(&mut conn)
    }

    /// One section of `INFO`.
    fn info(&self, section: &str) -> String {
        match self.command(&["INFO", section]) {
            Ok(redis::Value::BulkString(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Ok(redis::Value::VerbatimString { text, .. }) => text,
            other => panic!("INFO {section}: {other:?}"),
        }
    }

    /// Bytes Redis uses now (`INFO memory`'s `used_memory`).
    pub fn used_memory(&self) -> u64 {
        self.info("memory")
            .lines()
            .find_map(|line| line.strip_prefix("used_memory:"))
            .and_then(|value| value.trim().parse().ok())
            .expect("used_memory in INFO memory")
    }
}

/// `redis-server` on `port`, keeping nothing on disk, with `args` beyond that.
fn spawn(port: u16, args: &[String]) -> ChildGuard {
    ChildGuard::new(
        Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            // A replica syncs at once, not after the default 5 s of waiting for others.
            .args(["--repl-diskless-sync-delay", "0"])
            .args(["--maxmemory-policy", "noeviction"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts (Debian package redis-server)"),
    )
}

/// A loopback port free now. The port of a listener just closed is free unless
/// another process takes it in between; the server failing to bind then fails the
/// caller's wait for it.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}
