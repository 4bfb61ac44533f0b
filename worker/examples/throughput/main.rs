//! tally's side of the benchmark (`bench/run.sh` runs it; see BENCHMARKS.md).
//!
//!     throughput attach-pages <dataset folder>
//!     throughput request-body <data dir> <dataset> <out file>
//!     throughput result-samples <dataset folder> <out dir>
//!     throughput run <redis url> <emulator url> <tally-worker> <data dir> <scratch dir> <dataset> <phase> [args]
//!
//! Phases (each prints one JSON line):
//!     import                (the dataset's import, which any phase does first when
//!                            it is missing: time, records/s, the importer's peak RSS)
//!     dispatch <records> <workers>
//!     efficiency <records> <workers> <in flight per worker> <latency ms>
//!     quota <records> <workers> <requests per window> <window ms>
//!     rss <in flight>
//!     scale <records> <workers>   (BENCH_EMULATOR_PID: the emulator's peak RSS too)
//!     contention <records> <latency ms> <rpm> <contention share> <503 share>
//!     status <tally-api binary> <seconds per level>
//!
//! - `dataset`: pages for a page-less synthetic dataset.
//! - `capture`: the exact request body tally sends, for the peers' body (iii).
//! - `samples`: stored results to train the results' compression dictionary on.
//! - `fleet`: worker processes, the emulator's settings and counters, Redis counters.
//! - `phases`: the measurements (`slots`: where an efficiency run's call slots
//!   idled); `status`: the status route under load, measured
//!   by `load`, a closed-loop HTTP load generator.

mod capture;
mod dataset;
mod fleet;
mod load;
mod phases;
mod samples;
mod slots;
mod status;

use std::path::{Path, PathBuf};

use serde_json::json;

use tally_core::contract::ExperimentRequest;
use tally_core::dataset::{DataDir, DatasetRecord};
use tally_store::jobs::QueueSettings;
use tally_store::{ApiStore, Namespace, StoreSettings, WorkerStore};

use fleet::{Emulator, Setup};
use phases::{Bench, MODEL};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("attach-pages") if args.len() == 2 => dataset::attach_pages(Path::new(&args[1]))
            .map(|n| eprintln!("{n} records now have two pages each")),
        Some("request-body") if args.len() == 4 => {
            write_request_body(&args[1], &args[2], &args[3]).await
        }
        Some("result-samples") if args.len() == 3 => {
            samples::write_samples(Path::new(&args[1]), Path::new(&args[2]))
                .map(|n| eprintln!("{n} results written"))
        }
        Some("run") if args.len() >= 8 => run(&args[1..]).await,
        _ => Err("usage: see the top of worker/examples/throughput/main.rs".to_string()),
    };
    if let Err(error) = outcome {
        eprintln!("throughput: {error}");
        std::process::exit(1);
    }
}

async fn write_request_body(data_dir: &str, dataset: &str, out: &str) -> Result<(), String> {
    let folder = Path::new(data_dir).join(dataset);
    // The first line only: the file may be gigabytes.
    let records = std::fs::File::open(folder.join("records.jsonl")).map_err(|e| e.to_string())?;
    let first = std::io::BufRead::lines(std::io::BufReader::new(records))
        .next()
        .ok_or("the dataset has no record")?
        .map_err(|e| e.to_string())?;
    let record: DatasetRecord = serde_json::from_str(&first).map_err(|e| e.to_string())?;
    let request = format!(
        r#"{{"dataset_name": "{dataset}", "model_configs": [{{"model": "{MODEL}", "temperature": 0.0}}]}}"#
    );
    let request =
        ExperimentRequest::from_json_bytes(request.as_bytes()).map_err(|e| format!("{e:?}"))?;
    let settings = tally_worker::record::settings_of(&request.model_configs.as_slice()[0]);
    let body = capture::request_body(&folder, &record, &settings).await?;
    std::fs::write(out, &body).map_err(|e| format!("{out}: {e}"))?;
    eprintln!(
        "wrote the {}-byte request of record {} to {out}",
        body.len(),
        record.id
    );
    Ok(())
}

async fn run(args: &[String]) -> Result<(), String> {
    let [
        redis_url,
        emulator_url,
        worker,
        data_dir,
        scratch,
        dataset,
        phase,
        rest @ ..,
    ] = args
    else {
        return Err("run: missing arguments".to_string());
    };
    let number = |i: usize| -> Result<u64, String> {
        rest.get(i)
            .ok_or(format!("{phase}: argument {} missing", i + 1))?
            .parse()
            .map_err(|e| format!("{phase}: argument {}: {e}", i + 1))
    };
    let mut settings = StoreSettings::from_lookup(|name| match name {
        "TALLY_REDIS_URL" => Some(redis_url.clone()),
        _ => None,
    })
    .map_err(|e| e.to_string())?;
    settings.namespace = Namespace::parse("bench").map_err(|e| e.to_string())?;
    let store = ApiStore::connect(&settings)
        .await
        .map_err(|e| e.to_string())?;
    let worker_store = WorkerStore::connect(&settings, QueueSettings::default())
        .await
        .map_err(|e| e.to_string())?;
    let redis = redis::Client::open(redis_url.as_str())
        .map_err(|e| e.to_string())?
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| e.to_string())?;
    let name = tally_core::dataset::DatasetName::parse(dataset).map_err(|e| e.to_string())?;
    let imported = store
        .latest_dataset_version(&name)
        .await
        .map_err(|e| e.to_string())?;
    let mut import_line = json!({"peer": "tally", "label": "import", "imported": false});
    if imported.is_none() {
        let data = DataDir::open(Path::new(data_dir)).map_err(|e| e.to_string())?;
        let started = std::time::Instant::now();
        let outcome = tally_store::import(&store, &data, dataset)
            .await
            .map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        // This process has done nothing else yet: its high-water mark is the import's.
        import_line = json!({
            "peer": "tally", "label": "import", "imported": true, "n": outcome.size,
            "import_s": (seconds * 100.0).round() / 100.0,
            "import_records_per_s": (outcome.size as f64 / seconds).round(),
            "importer_peak_rss_mib": (fleet::peak_rss_mib(std::process::id()) * 10.0).round() / 10.0,
        });
    }
    let mut bench = Bench {
        setup: Setup {
            redis_url: redis_url.clone(),
            emulator_url: emulator_url.clone(),
            worker_binary: PathBuf::from(worker),
            data_dir: PathBuf::from(data_dir),
            scratch: PathBuf::from(scratch),
        },
        store,
        worker_store,
        redis,
        emulator: Emulator::new(emulator_url),
        dataset: dataset.clone(),
    };
    let line = match phase.as_str() {
        "import" => import_line,
        "dispatch" => bench.dispatch(number(0)?, number(1)? as usize).await?,
        "efficiency" => {
            bench
                .efficiency(
                    number(0)?,
                    number(1)? as usize,
                    number(2)? as usize,
                    number(3)?,
                )
                .await?
        }
        "quota" => {
            bench
                .quota(number(0)?, number(1)? as usize, number(2)?, number(3)?)
                .await?
        }
        "rss" => bench.rss(number(0)? as usize).await?,
        "status" => {
            let api = rest
                .first()
                .ok_or("status: the tally-api binary is missing")?;
            bench.status(api, number(1)?).await?
        }
        "scale" => bench.scale(number(0)?, number(1)? as usize).await?,
        "contention" => {
            let share = |i: usize| -> Result<f64, String> {
                rest.get(i)
                    .ok_or(format!("contention: argument {} missing", i + 1))?
                    .parse()
                    .map_err(|e| format!("contention: argument {}: {e}", i + 1))
            };
            bench
                .contention(number(0)?, number(1)?, number(2)?, share(3)?, share(4)?)
                .await?
        }
        other => return Err(format!("unknown phase {other:?}")),
    };
    println!("{line}");
    Ok(())
}
