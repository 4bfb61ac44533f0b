//! Throughput of the Gemini client against the emulator on loopback.
//!
//!     cargo run --release -p gemini-emulator --example bench -- [concurrency] [seconds]
//!
//! Runs the emulator in this process on a free port, then keeps `concurrency`
//! extraction calls in flight (two-page records, no quota, no faults) for `seconds`
//! at 0 ms and at 200 ms emulated latency, and prints calls/s and client-side
//! latency percentiles.

use std::time::{Duration, Instant};

use gemini_emulator::{EmulatorConfig, fixtures};
use tally_gemini::{GeminiClient, GeminiConfig, GenerationSettings, Page, Secret};

const MODEL: &str = "gemini-2.5-flash";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let concurrency: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let seconds: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);

    let dir = tempfile::tempdir()?;
    let records = fixtures::write_dataset(dir.path(), 50)?;
    let folder = fixtures::dataset_folder(dir.path());
    let pages: Vec<Vec<Page>> = records
        .iter()
        .map(|r| Page::of_record(&folder, r))
        .collect();

    for latency_ms in [0, 200] {
        let mut config = EmulatorConfig::default().with_fixed_latency(latency_ms);
        config.api_keys = vec!["bench-key".into()];
        config.datasets = Some(dir.path().to_path_buf());
        for profile in config.models.values_mut() {
            profile.rpm = None;
        }
        let emulator = gemini_emulator::spawn(config).await?;
        let mut client_config = GeminiConfig::developer(Secret::new("bench-key"));
        client_config.base_url = Some(emulator.base_url());
        let client = std::sync::Arc::new(GeminiClient::new(client_config)?);
        let pages = std::sync::Arc::new(pages.clone());
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|worker| {
                let client = client.clone();
                let pages = pages.clone();
                tokio::spawn(async move {
                    let settings = GenerationSettings {
                        seed: Some(1),
                        ..GenerationSettings::new(MODEL, 0.0)
                    };
                    let (mut latencies, mut failures, mut call) = (Vec::new(), 0u64, worker);
                    while Instant::now() < deadline {
                        let record = &pages[call % pages.len()];
                        let one = Instant::now();
                        match client.extract(record, &settings).await {
                            Ok(_) => latencies.push(one.elapsed()),
                            Err(_) => failures += 1,
                        }
                        call += concurrency;
                    }
                    (latencies, failures)
                })
            })
            .collect();
        let (mut latencies, mut failures) = (Vec::new(), 0);
        for worker in workers {
            let (l, f) = worker.await?;
            latencies.extend(l);
            failures += f;
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort();
        let percentile = |p: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * p) as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let stats: serde_json::Value =
            reqwest::get(format!("{}/_emulator/stats", emulator.base_url()))
                .await?
                .json()
                .await?;
        println!(
            "latency {latency_ms:>3} ms, concurrency {concurrency}: {:.0} calls/s ({} ok, {failures} failed in {elapsed:.1} s); \
             client p50 {:.1} ms, p99 {:.1} ms; emulator max in flight {}",
            latencies.len() as f64 / elapsed,
            latencies.len(),
            percentile(0.5),
            percentile(0.99),
            stats["max_in_flight"]
        );
    }
    Ok(())
}
