//! `tally-worker`: settings → wiring → run until SIGTERM / ctrl-c.

use std::sync::Arc;

use tally_gemini::GeminiClient;
use tally_worker::datadog::DatadogExport;
use tally_worker::pacer::Pacer;
use tally_worker::response_cache::StoreCache;
use tally_worker::spend::SPEND_WINDOW;
use tally_worker::{Context, Metrics, Worker, WorkerSettings, connect};

/// mimalloc in place of glibc's malloc: a record's call and result allocate and free
/// many small buffers (JSON, reports, evaluations) across threads; with mimalloc the
/// worker used ~8 % less CPU per record (BENCHMARKS.md, *Where the time goes*).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        tracing::error!(%error, "tally-worker stopped");
        eprintln!("tally-worker: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let settings = WorkerSettings::from_env().map_err(|e| e.to_string())?;
    tally_daemon::telemetry::init(settings.log_format);
    let store = connect(&settings)
        .await
        .map_err(|e| format!("Redis: {e}"))?;
    let metrics = Metrics::new().map_err(|e| format!("metrics: {e}"))?;
    let pacer = Pacer::new(store.clone(), settings.quotas.clone(), metrics.clone());
    let model = GeminiClient::new(settings.gemini.clone())
        .map_err(|e| e.to_string())?
        .with_gate(Arc::new(pacer))
        .with_cache(Arc::new(StoreCache::new(store.clone(), settings.cache_ttl)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    if let Some(listen) = settings.metrics_listen {
        let (registry, mut stopped) = (metrics.registry().clone(), stopped.clone());
        // A metrics server that cannot start is logged; the worker works on without it.
        tokio::spawn(async move {
            let listener = match tokio::net::TcpListener::bind(listen).await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::error!(%error, %listen, "metrics server failed");
                    return;
                }
            };
            tracing::info!(%listen, "metrics listening");
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            if let Err(error) = tally_daemon::metrics::serve(listener, registry, shutdown).await {
                tracing::error!(%error, "metrics server failed");
            }
        });
    }
    let batches = tally_gemini::batch::BatchClient::new(&settings.gemini)
        .map_err(|e| format!("batch client: {e}"))?;
    let context = Context::new(
        settings.name,
        store,
        Arc::new(model),
        settings.data_dir,
        settings.urls,
        metrics,
    )
    .with_limits(settings.limits)
    .with_ocr(settings.ocr)
    .with_retention(settings.retention)
    .with_datadog(DatadogExport::from_settings(settings.datadog))
    .with_spend_cap(settings.spend_cap_usd.map(|usd| (usd, SPEND_WINDOW)))
    .with_batches(batches);
    let worker = Worker::new(
        Arc::new(context),
        settings.concurrent_chunks,
        settings.shutdown_grace,
    );
    let shutdown = async move {
        tally_daemon::shutdown::signal().await;
        let _ = stop.send(true);
    };
    drop(stopped);
    worker.run(shutdown).await
}
