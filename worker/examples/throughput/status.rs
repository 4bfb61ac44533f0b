//! What a user polling a run feels: `GET /api/v1/experiments/runs/{id}` on a release
//! tally-api, closed loop at 64 and then 8 connections, while the run executes
//! (one worker, 50 calls in flight at 100 ms: ~500 records/s beside the load).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fleet::{WorkerPlan, Workers};
use crate::load::closed_loop;
use crate::phases::{Bench, unreachable_quota};

const API_KEY: &str = "bench-status-key-0123456789";
/// More records than the measurement can finish: the run is cancelled after it.
const RECORDS: u64 = 50_000;
const LEVELS: [usize; 2] = [64, 8];

/// A tally-api process, stopped when dropped.
struct Api(Child);

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Bench {
    pub async fn status(&mut self, api_binary: &str, seconds: u64) -> Result<Value, String> {
        self.emulator_at(100, None, 64).await?;
        let plan = WorkerPlan {
            count: 1,
            chunks: 3,
            max_in_flight: 50,
            quotas: unreachable_quota(),
        };
        let (run, experiment) = self.submit(RECORDS, 1000).await?;
        let workers = Workers::start(&self.setup, &plan, "status")?;
        let address = free_address()?;
        let _api = Api(Command::new(api_binary)
            .env("TALLY_REDIS_URL", &self.setup.redis_url)
            .env("TALLY_NAMESPACE", "bench")
            .env("TALLY_DATA_DIR", &self.setup.data_dir)
            .env("TALLY_LISTEN", address.to_string())
            .env("TALLY_API_KEYS", format!("bench:{API_KEY}"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{api_binary}: {e}"))?);
        self.wait_for_progress(&experiment, address).await?;
        let path = format!("/api/v1/experiments/runs/{run}");
        let headers = [format!("x-api-key: {API_KEY}")];
        let mut levels = Vec::new();
        for connections in LEVELS {
            // A second of warm-up: connections made, caches and pools filled.
            closed_loop(
                address,
                &path,
                &headers,
                connections,
                Duration::from_secs(1),
            )
            .await?;
            let load = closed_loop(
                address,
                &path,
                &headers,
                connections,
                Duration::from_secs(seconds),
            )
            .await?;
            levels.push(json!({
                "connections": connections,
                "requests": load.latencies_us.len(), "errors": load.errors,
                "requests_per_s": load.per_second().round(),
                "p50_ms": round3(load.quantile_ms(0.5)), "p99_ms": round3(load.quantile_ms(0.99)),
                "max_ms": round3(load.quantile_ms(1.0)),
            }));
        }
        let done = self
            .store
            .experiment(&experiment)
            .await
            .map_err(|e| e.to_string())?
            .map_or(0, |view| view.progress.done);
        self.store.cancel(&run).await.map_err(|e| e.to_string())?;
        workers.stop();
        Ok(json!({
            "peer": "tally", "label": "tally status GET /runs/{id}",
            "seconds": seconds, "levels": levels, "records_done_meanwhile": done,
        }))
    }

    /// Waits until the API answers and the run has results: the load meets a run
    /// that executes.
    async fn wait_for_progress(
        &mut self,
        experiment: &tally_core::run::ExperimentId,
        address: SocketAddr,
    ) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let http = reqwest::Client::new();
        loop {
            let healthy = http
                .get(format!("http://{address}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            let done = self
                .store
                .experiment(experiment)
                .await
                .map_err(|e| e.to_string())?
                .map_or(0, |view| view.progress.done);
            if healthy && done > 0 {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "status: API healthy {healthy}, {done} results after 60 s"
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A loopback address with a free port (bound, then released for the API).
fn free_address() -> Result<SocketAddr, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|e| e.to_string())
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
