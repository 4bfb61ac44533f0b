//! The processes and services one measurement drives: tally-worker processes, the
//! running gemini-emulator (settings, counters) and the private Redis (counters).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Where everything runs, from the command line.
#[derive(Debug, Clone)]
pub struct Setup {
    pub redis_url: String,
    pub emulator_url: String,
    pub worker_binary: PathBuf,
    pub data_dir: PathBuf,
    /// Folder for the quotas files the workers are started with.
    pub scratch: PathBuf,
}

/// How the workers of one measurement are configured.
#[derive(Debug, Clone)]
pub struct WorkerPlan {
    pub count: usize,
    pub chunks: usize,
    pub max_in_flight: usize,
    /// TOML merged over the built-in quotas.
    pub quotas: String,
}

pub struct Workers {
    children: Vec<Child>,
}

impl Workers {
    pub fn start(setup: &Setup, plan: &WorkerPlan, label: &str) -> Result<Workers, String> {
        let quotas = setup.scratch.join(format!("quotas-{label}.toml"));
        std::fs::write(&quotas, &plan.quotas).map_err(|e| format!("{}: {e}", quotas.display()))?;
        let mut children = Vec::new();
        for _ in 0..plan.count {
            let child = Command::new(&setup.worker_binary)
                .env("TALLY_REDIS_URL", &setup.redis_url)
                .env("TALLY_NAMESPACE", "bench")
                .env("TALLY_DATA_DIR", &setup.data_dir)
                .env("GEMINI_BASE_URL", &setup.emulator_url)
                .env("GEMINI_API_KEY", "emulator-key")
                .env("TALLY_WORKER_CHUNKS", plan.chunks.to_string())
                .env("TALLY_WORKER_MAX_IN_FLIGHT", plan.max_in_flight.to_string())
                .env("TALLY_QUOTAS_FILE", &quotas)
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .map_err(|e| format!("{}: {e}", setup.worker_binary.display()))?;
            children.push(child);
        }
        Ok(Workers { children })
    }

    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(Child::id).collect()
    }

    /// CPU seconds (user + system) the workers used so far.
    pub fn cpu_seconds(&self) -> f64 {
        self.pids().into_iter().map(cpu_seconds).sum()
    }

    /// SIGTERM, then wait (SIGKILL after 20 s).
    pub fn stop(mut self) {
        for child in &self.children {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
        }
        for child in &mut self.children {
            for _ in 0..200 {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// utime + stime of a process, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Resident set size of a process, in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    proc_status_mib(pid, "VmRSS:")
}

/// The most a process was ever resident (its high-water mark), in MiB.
pub fn peak_rss_mib(pid: u32) -> f64 {
    proc_status_mib(pid, "VmHWM:")
}

fn proc_status_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub struct Emulator {
    http: reqwest::Client,
    url: String,
}

impl Emulator {
    pub fn new(url: &str) -> Emulator {
        Emulator {
            http: reqwest::Client::new(),
            url: url.to_string(),
        }
    }

    pub async fn patch(&self, settings: Value) -> Result<(), String> {
        let response = self
            .http
            .patch(format!("{}/_emulator/settings", self.url))
            .json(&settings)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!(
                "emulator settings refused: {}",
                response.text().await.unwrap_or_default()
            ));
        }
        Ok(())
    }

    pub async fn reset(&self) -> Result<(), String> {
        self.http
            .post(format!("{}/_emulator/reset", self.url))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    pub async fn stats(&self) -> Result<Value, String> {
        self.http
            .get(format!("{}/_emulator/stats", self.url))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())
    }

    /// Arrival times (ms) of the logged requests.
    pub async fn arrivals(&self) -> Result<Vec<f64>, String> {
        let log: Value = self
            .http
            .get(format!("{}/_emulator/requests", self.url))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        Ok(log["requests"]
            .as_array()
            .map(|requests| {
                requests
                    .iter()
                    .filter_map(|r| r["at_ms"].as_f64())
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Counters of the private Redis.
pub struct RedisStats {
    pub commands: u64,
    pub cpu_seconds: f64,
    pub used_memory: u64,
}

pub async fn redis_stats(
    conn: &mut redis::aio::MultiplexedConnection,
) -> Result<RedisStats, String> {
    let info: String = redis::cmd("INFO")
        .arg("all")
        .query_async(conn)
        .await
        .map_err(|e| e.to_string())?;
    let field = |name: &str| -> f64 {
        info.lines()
            .find_map(|line| line.strip_prefix(&format!("{name}:")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    Ok(RedisStats {
        commands: field("total_commands_processed") as u64,
        cpu_seconds: field("used_cpu_user") + field("used_cpu_sys"),
        used_memory: field("used_memory") as u64,
    })
}
