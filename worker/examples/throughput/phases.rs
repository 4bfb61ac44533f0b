//! One tally measurement per function, each printing one JSON line: the run is
//! submitted first, then the workers start and the clock runs until every record
//! has its result (as the peers' benches: jobs enqueued, workers started, timed to
//! the last result).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tally_core::contract::ExperimentRequest;
use tally_core::run::{ExperimentId, RunId, Submitter};
use tally_store::submission::{DEFAULT_MAX_CHUNK_SIZE, Submission};
use tally_store::{ApiStore, WorkerStore};

use crate::fleet::{Emulator, Setup, WorkerPlan, Workers, peak_rss_mib, redis_stats, rss_mib};

/// The model every phase calls (no thinking by default: short answers).
pub const MODEL: &str = "gemini-2.5-flash-lite";

pub struct Bench {
    pub setup: Setup,
    /// The client's handle: submits, cancels, reads.
    pub store: ApiStore,
    /// A worker's handle, for the retention pass the bench measures.
    pub worker_store: WorkerStore,
    pub redis: redis::aio::MultiplexedConnection,
    pub emulator: Emulator,
    pub dataset: String,
}

/// Quotas that keep the shared rate limiter in every call's path without ever
/// holding a call back.
pub fn unreachable_quota() -> String {
    format!("[models.\"{MODEL}\"]\nrpm = 100000000\ntpm = 0\n")
}

struct Timed {
    run: RunId,
    /// When the workers were started.
    started_at: chrono::DateTime<chrono::Utc>,
    experiment: ExperimentId,
    records: u64,
    wall: Duration,
    commands: u64,
    redis_cpu: f64,
    worker_cpu: f64,
    max_chunk_queue: u64,
    workers: Workers,
}

impl Bench {
    pub(crate) async fn submit(
        &self,
        records: u64,
        jobs: u64,
    ) -> Result<(RunId, ExperimentId), String> {
        let body = json!({
            "dataset_name": self.dataset,
            "sample_size": records,
            "jobs": jobs,
            "raise_errors": false,
            // Every phase runs the same records: at temperature 0 the response cache
            // would answer all but the first phase without a call.
            "cache": "off",
            "model_configs": [{"model": MODEL, "temperature": 0.0}],
        });
        let request = ExperimentRequest::from_json_bytes(body.to_string().as_bytes())
            .map_err(|e| format!("{e:?}"))?;
        let submission = Submission {
            request,
            submitter: Submitter {
                api_key_name: Some("bench".into()),
                schedule: None,
            },
            idempotency: None,
        };
        let submitted = self
            .store
            .submit(submission, DEFAULT_MAX_CHUNK_SIZE)
            .await
            .map_err(|e| e.to_string())?;
        let run = submitted.run_id;
        let view = self
            .store
            .run(&run)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the run vanished")?;
        Ok((run, view.record.experiments[0].clone()))
    }

    async fn chunk_queue_depth(&mut self) -> u64 {
        let depths = self.store.queue_depths().await.unwrap_or_default();
        depths
            .iter()
            .filter(|d| d.kind == "chunk")
            .map(|d| d.waiting)
            .sum()
    }

    /// Submits `records`, starts the workers, waits for the last result.
    async fn timed(
        &mut self,
        label: &str,
        records: u64,
        jobs: u64,
        plan: &WorkerPlan,
    ) -> Result<Timed, String> {
        let (run, experiment) = self.submit(records, jobs).await?;
        let before = redis_stats(&mut self.redis).await?;
        let workers = Workers::start(&self.setup, plan, label)?;
        let started = Instant::now();
        let started_at = chrono::Utc::now();
        let deadline = started + Duration::from_secs(1800);
        let mut max_chunk_queue = 0;
        loop {
            max_chunk_queue = max_chunk_queue.max(self.chunk_queue_depth().await);
            let view = self
                .store
                .experiment(&experiment)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("the experiment vanished")?;
            if view.progress.done >= records {
                break;
            }
            if Instant::now() > deadline {
                workers.stop();
                return Err(format!(
                    "{label}: {} of {records} after 30 min",
                    view.progress.done
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let wall = started.elapsed();
        let after = redis_stats(&mut self.redis).await?;
        Ok(Timed {
            run,
            started_at,
            experiment,
            records,
            wall,
            commands: after.commands - before.commands,
            redis_cpu: after.cpu_seconds - before.cpu_seconds,
            worker_cpu: workers.cpu_seconds(),
            max_chunk_queue,
            workers,
        })
    }

    fn report(label: &str, timed: &Timed, extra: Value) -> Value {
        let wall = timed.wall.as_secs_f64();
        let mut line = json!({
            "peer": "tally",
            "label": label,
            "n": timed.records,
            "wall_s": round(wall, 3),
            "jobs_per_s": round(timed.records as f64 / wall, 1),
            "redis_cmds_per_job": round(timed.commands as f64 / timed.records as f64, 2),
            "redis_cpu_pct": round(100.0 * timed.redis_cpu / wall, 1),
            "worker_cpu_s": round(timed.worker_cpu, 2),
            // Less sensitive to a shared machine's load than records per second.
            "worker_cpu_ms_per_record": round(1000.0 * timed.worker_cpu / timed.records as f64, 3),
            "max_chunk_queue": timed.max_chunk_queue,
        });
        if let (Some(line), Some(extra)) = (line.as_object_mut(), extra.as_object()) {
            line.extend(extra.clone());
        }
        line
    }

    pub(crate) async fn emulator_at(
        &self,
        latency_ms: u64,
        quota: Option<(u64, u64)>,
        log: usize,
    ) -> Result<(), String> {
        let rpm = quota.map_or(Value::Null, |(rpm, _)| json!(rpm));
        let window = quota.map_or(60_000, |(_, window)| window);
        self.emulator
            .patch(json!({
                "quota_window_ms": window,
                "request_log_capacity": log,
                "models": {MODEL: {"latency": {"kind": "fixed", "ms": latency_ms}, "rpm": rpm}},
            }))
            .await?;
        self.emulator.reset().await
    }

    /// Records per second through the whole path, emulator at 0 ms.
    pub async fn dispatch(&mut self, records: u64, workers: usize) -> Result<Value, String> {
        self.emulator_at(0, None, 64).await?;
        let plan = WorkerPlan {
            count: workers,
            chunks: 8,
            max_in_flight: 50,
            quotas: unreachable_quota(),
        };
        let label = format!("tally dispatch W={workers} C=50");
        let timed = self.timed("dispatch", records, 1000, &plan).await?;
        let line = Self::report(&label, &timed, json!({"body": "iii", "workers": workers}));
        timed.workers.stop();
        Ok(line)
    }

    /// Achieved / ideal throughput with `latency_ms` per call.
    pub async fn efficiency(
        &mut self,
        records: u64,
        workers: usize,
        in_flight: usize,
        latency_ms: u64,
    ) -> Result<Value, String> {
        self.emulator_at(latency_ms, None, 64).await?;
        let plan = WorkerPlan {
            count: workers,
            // The worker's default for this limit (twice the chunks it takes, 8
            // for 100): a finishing chunk's slots are taken by waiting records at
            // once. One spare chunk idled slots ~0.5 % more (BENCHMARKS.md).
            chunks: tally_worker::settings::default_chunks(in_flight) as usize,
            max_in_flight: in_flight,
            quotas: unreachable_quota(),
        };
        let timed = self
            .timed("efficiency", records, (workers * in_flight) as u64, &plan)
            .await?;
        let ideal = (workers * in_flight) as f64 * 1000.0 / latency_ms as f64;
        let achieved = timed.records as f64 / timed.wall.as_secs_f64();
        let label = format!("tally {latency_ms}ms W={workers} C={in_flight}");
        let results = self
            .store
            .all_results(&timed.experiment)
            .await
            .map_err(|e| e.to_string())?;
        let ended_at = timed.started_at
            + chrono::TimeDelta::from_std(timed.wall).map_err(|e| e.to_string())?;
        let slots = crate::slots::split(&results, timed.started_at, ended_at, workers * in_flight);
        // The emulator's own time per answer, from arrival: the rest of a call's
        // latency is the worker's and the connection's.
        let stats = self.emulator.stats().await?;
        let answered = &stats["models"][MODEL]["answered"];
        let answers = answered["answers"].as_f64().unwrap_or(0.0).max(1.0);
        let emulator_ms = json!({
            "mean": round(answered["total_ms"].as_f64().unwrap_or(0.0) / answers, 2),
            "max": round(answered["max_ms"].as_f64().unwrap_or(0.0), 2),
        });
        let line = Self::report(
            &label,
            &timed,
            json!({"ideal_per_s": ideal, "efficiency": round(achieved / ideal, 4), "workers": workers,
                "slots": slots, "emulator_answer_ms": emulator_ms}),
        );
        timed.workers.stop();
        Ok(line)
    }

    /// Share of a per-window request quota that four workers achieve together.
    pub async fn quota(
        &mut self,
        records: u64,
        workers: usize,
        quota: u64,
        window_ms: u64,
    ) -> Result<Value, String> {
        self.emulator_at(50, Some((quota, window_ms)), records as usize + 100)
            .await?;
        let plan = WorkerPlan {
            count: workers,
            chunks: 4,
            max_in_flight: 100,
            quotas: format!(
                "window_ms = {window_ms}\n[models.\"{MODEL}\"]\nrpm = {quota}\ntpm = 0\n"
            ),
        };
        let timed = self.timed("quota", records, 1000, &plan).await?;
        let stats = self.emulator.stats().await?;
        let mut arrivals = self.emulator.arrivals().await?;
        arrivals.sort_by(f64::total_cmp);
        let span =
            arrivals.last().copied().unwrap_or(0.0) - arrivals.first().copied().unwrap_or(0.0);
        let per_window = if span > 0.0 {
            (arrivals.len() - 1) as f64 / span * window_ms as f64
        } else {
            0.0
        };
        let busiest = busiest_window(&arrivals, window_ms as f64);
        let refused = stats["rate_limited"].as_u64().unwrap_or(0);
        let label = format!("tally quota W={workers} R={quota}/{}s", window_ms / 1000);
        let line = Self::report(
            &label,
            &timed,
            json!({
                "quota": quota, "window_ms": window_ms, "calls": arrivals.len(),
                "achieved_share": round(per_window / quota as f64, 4),
                "busiest_window": busiest, "rate_limited": refused,
                "rate_limited_pct": round(100.0 * refused as f64 / arrivals.len().max(1) as f64, 3),
                "workers": workers,
            }),
        );
        timed.workers.stop();
        Ok(line)
    }

    /// The same run without faults, then with a share of Vertex's bare contention
    /// 429s and of 503s: contention must cost that call a backoff, not the fleet its
    /// pace. The quota is in every call's path and holds the run back a little.
    pub async fn contention(
        &mut self,
        records: u64,
        latency_ms: u64,
        rpm: u64,
        contention: f64,
        unavailable: f64,
    ) -> Result<Value, String> {
        let plan = WorkerPlan {
            count: 1,
            chunks: 4,
            max_in_flight: 20,
            quotas: format!("[models.\"{MODEL}\"]\nrpm = {rpm}\ntpm = 0\n"),
        };
        let mut walls = Vec::new();
        let mut lines = Vec::new();
        for (label, contention, unavailable) in [
            ("contention: none", 0.0, 0.0),
            ("contention: faults", contention, unavailable),
        ] {
            self.emulator_at(latency_ms, None, 64).await?;
            self.emulator
                .patch(json!({"models": {MODEL: {"faults": {
                    "contention": contention, "unavailable": unavailable}}}}))
                .await?;
            let timed = self.timed("contention", records, 1000, &plan).await?;
            let view = self
                .store
                .experiment(&timed.experiment)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("the experiment vanished")?;
            let stats = self.emulator.stats().await?;
            walls.push(timed.wall.as_secs_f64());
            lines.push(json!({
                "label": label, "wall_s": round(timed.wall.as_secs_f64(), 3),
                "succeeded": view.progress.done - view.progress.failed,
                "failed": view.progress.failed, "retries": view.progress.retries,
                "statuses": stats["models"][MODEL]["statuses"].clone(),
            }));
            timed.workers.stop();
        }
        Ok(json!({
            "peer": "tally", "label": format!(
                "tally contention {:.0}% bare 429 + {:.0}% 503, {latency_ms} ms, rpm {rpm}",
                contention * 100.0, unavailable * 100.0),
            "n": records, "runs": lines,
            "ratio": round(walls[1] / walls[0], 3),
        }))
    }

    /// Resident memory of one worker with `in_flight` calls open.
    pub async fn rss(&mut self, in_flight: usize) -> Result<Value, String> {
        self.emulator_at(3_000, None, 64).await?;
        let plan = WorkerPlan {
            count: 1,
            chunks: in_flight.div_ceil(DEFAULT_MAX_CHUNK_SIZE as usize),
            max_in_flight: in_flight,
            quotas: unreachable_quota(),
        };
        let (run, _experiment) = self.submit(4 * in_flight as u64, 1000).await?;
        let workers = Workers::start(&self.setup, &plan, "rss")?;
        let pid = workers.pids()[0];
        tokio::time::sleep(Duration::from_millis(300)).await;
        let idle = rss_mib(pid);
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut peak = 0.0f64;
        let mut open = 0;
        while Instant::now() < deadline {
            open = self.emulator.stats().await?["in_flight"]
                .as_u64()
                .unwrap_or(0);
            if open >= in_flight as u64 {
                for _ in 0..10 {
                    peak = peak.max(rss_mib(pid));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Cancelled and drained, so that no later measurement inherits its jobs.
        self.store.cancel(&run).await.map_err(|e| e.to_string())?;
        let drained = Instant::now();
        while !self
            .store
            .run(&run)
            .await
            .map_err(|e| e.to_string())?
            .is_some_and(|view| view.status.is_final())
        {
            if drained.elapsed() > Duration::from_secs(120) {
                return Err("the cancelled run did not end".to_string());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        while self.chunk_queue_depth().await > 0 && drained.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        workers.stop();
        if peak == 0.0 {
            return Err(format!("only {open} calls in flight, not {in_flight}"));
        }
        Ok(json!({
            "peer": "tally", "label": format!("tally worker RSS, {in_flight} in flight"),
            "in_flight": open, "rss_mib": round(peak, 1), "rss_mib_at_start": round(idle, 1),
        }))
    }

    /// A large run: time, queue depth, exactly one result per record, Redis memory.
    pub async fn scale(&mut self, records: u64, workers: usize) -> Result<Value, String> {
        self.emulator_at(0, None, 64).await?;
        let plan = WorkerPlan {
            count: workers,
            chunks: 8,
            max_in_flight: 50,
            quotas: unreachable_quota(),
        };
        let label = format!("tally scale N={records} W={workers}");
        let timed = self.timed("scale", records, 1000, &plan).await?;
        let finalized = Instant::now();
        loop {
            let view = self
                .store
                .run(&timed.run)
                .await
                .map_err(|e| e.to_string())?;
            if view.is_some_and(|v| v.status.is_final()) {
                break;
            }
            if finalized.elapsed() > Duration::from_secs(600) {
                return Err(format!("{label}: not final 10 min after the last result"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let finalize_s = finalized.elapsed().as_secs_f64();
        let keys = self.store.keys();
        let results_key = keys.experiment_results(&timed.experiment);
        let (stored, order): (u64, u64) = redis::pipe()
            .cmd("HLEN")
            .arg(&results_key)
            .cmd("LLEN")
            .arg(keys.experiment_order(&timed.experiment))
            .query_async(&mut self.redis)
            .await
            .map_err(|e| e.to_string())?;
        let done = self
            .store
            .experiment(&timed.experiment)
            .await
            .map_err(|e| e.to_string())?
            .map_or(0, |v| v.progress.done);
        if stored != records || order != records || done != records {
            return Err(format!(
                "{label}: {stored} results, {order} in order, {done} counted, for {records} records"
            ));
        }
        let memory = |key: String| {
            let mut conn = self.redis.clone();
            async move {
                redis::cmd("MEMORY")
                    .arg("USAGE")
                    .arg(key)
                    .arg("SAMPLES")
                    .arg(0)
                    .query_async::<Option<u64>>(&mut conn)
                    .await
                    .map(|bytes| bytes.unwrap_or(0))
                    .map_err(|e| e.to_string())
            }
        };
        let results_bytes = memory(results_key.clone()).await?;
        let order_bytes = memory(keys.experiment_order(&timed.experiment)).await?;
        // Stored results are compressed: their JSON is measured as the API reads it.
        let sample: Vec<String> = redis::cmd("HRANDFIELD")
            .arg(&results_key)
            .arg(100)
            .query_async(&mut self.redis)
            .await
            .map_err(|e| e.to_string())?;
        let mut json_bytes = 0;
        for record_id in &sample {
            let result = self
                .store
                .record_result(&timed.experiment, record_id, 0)
                .await
                .map_err(|e| e.to_string())?;
            json_bytes += serde_json::to_vec(&result).map_or(0, |json| json.len());
        }
        let before_vacuum = redis_stats(&mut self.redis).await?.used_memory;
        let vacuumed = self
            .worker_store
            .vacuum_due(
                chrono::Utc::now() + chrono::TimeDelta::hours(1),
                Duration::from_secs(60),
                100,
            )
            .await
            .map_err(|e| e.to_string())?;
        let after_vacuum = redis_stats(&mut self.redis).await?.used_memory;
        let per = |bytes: u64| round(bytes as f64 / records as f64, 1);
        let dataset = self.dataset_bytes_per_record().await?;
        let worker_peak = timed
            .workers
            .pids()
            .into_iter()
            .map(peak_rss_mib)
            .fold(0.0, f64::max);
        // bench/run.sh names the emulator it started; it has run since the index build.
        let emulator_peak = std::env::var("BENCH_EMULATOR_PID")
            .ok()
            .and_then(|pid| pid.parse().ok())
            .map(peak_rss_mib);
        let line = Self::report(
            &label,
            &timed,
            json!({
                "results": stored, "finalize_s": round(finalize_s, 2),
                "result_bytes_per_record": per(results_bytes),
                "order_bytes_per_record": per(order_bytes),
                "result_json_bytes_avg": round(json_bytes as f64 / sample.len().max(1) as f64, 1),
                "vacuumed_jobs": vacuumed.jobs,
                "job_bookkeeping_bytes_per_record": per(before_vacuum.saturating_sub(after_vacuum)),
                "dataset_bytes_per_record": dataset,
                "us_per_record": round(1e6 * timed.wall.as_secs_f64() / records as f64, 1),
                "worker_peak_rss_mib": round(worker_peak, 1),
                "emulator_peak_rss_mib": emulator_peak.map(|mib| round(mib, 1)),
                "workers": workers,
            }),
        );
        timed.workers.stop();
        Ok(line)
    }
}

impl Bench {
    /// Redis bytes per record of the bench dataset's newest version (its blocks).
    async fn dataset_bytes_per_record(&mut self) -> Result<f64, String> {
        let name =
            tally_core::dataset::DatasetName::parse(&self.dataset).map_err(|e| e.to_string())?;
        let version = self
            .store
            .latest_dataset_version(&name)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the bench dataset is not imported")?;
        let bytes: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(
                self.store
                    .keys()
                    .dataset_blocks(&name, &version.content_hash),
            )
            .arg("SAMPLES")
            .arg(0)
            .query_async(&mut self.redis)
            .await
            .map_err(|e| e.to_string())?;
        Ok(round(
            bytes.unwrap_or(0) as f64 / version.size.max(1) as f64,
            1,
        ))
    }
}

/// The most arrivals in any window of `window_ms` (half-open, as a quota counts).
fn busiest_window(arrivals: &[f64], window_ms: f64) -> usize {
    let (mut busiest, mut first) = (0, 0);
    for (last, at) in arrivals.iter().enumerate() {
        while *at - arrivals[first] >= window_ms {
            first += 1;
        }
        busiest = busiest.max(last - first + 1);
    }
    busiest
}

pub(crate) fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
