//! tally-scheduler: settings → store, schedules and metrics server → tick loop until
//! SIGTERM or Ctrl-C.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tally_scheduler::settings::Settings;
use tally_scheduler::{AlertSender, Metrics, RetryPolicy, Scheduler, SystemClock};
use tally_store::SchedulerStore;
use tokio::sync::watch;

/// Time queued alerts get to go out after a shutdown signal.
const ALERT_GRACE: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tally-scheduler: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    tally_daemon::telemetry::init(settings.log_format);
    let schedules = settings.schedules().map_err(|e| e.to_string())?;
    let store = SchedulerStore::connect(&settings.store)
        .await
        .map_err(|e| {
            format!(
                "cannot reach the store at {}: {e}",
                settings.store.redis_url
            )
        })?;
    let metrics = Metrics::new().map_err(|e| format!("metrics: {e}"))?;
    let alerts = AlertSender::start(
        RetryPolicy::default(),
        settings.webhook_allow_private,
        metrics.clone(),
    );
    let scheduler = Scheduler::new(
        store,
        Arc::new(SystemClock),
        settings.scheduler.clone(),
        settings.public_urls.clone(),
        metrics.clone(),
        alerts,
    );
    scheduler
        .seed(&schedules)
        .await
        .map_err(|e| format!("seeding schedules: {e}"))?;

    let (stop, stopped) = watch::channel(false);
    let listener = tokio::net::TcpListener::bind(settings.metrics_listen)
        .await
        .map_err(|e| format!("TALLY_METRICS_LISTEN {}: {e}", settings.metrics_listen))?;
    let metrics_address = listener
        .local_addr()
        .map_err(|e| format!("metrics listener: {e}"))?;
    let mut metrics_stopped = stopped.clone();
    let registry = metrics.registry().clone();
    let server = tokio::spawn(tally_daemon::metrics::serve(
        listener,
        registry,
        async move {
            let _ = metrics_stopped.wait_for(|stop| *stop).await;
        },
    ));
    tracing::info!(
        metrics = %metrics_address,
        namespace = %settings.store.namespace,
        schedules = schedules.len(),
        "tally-scheduler started"
    );

    tokio::spawn(async move {
        tally_daemon::shutdown::signal().await;
        tracing::info!("shutdown signal received; finishing the current tick");
        let _ = stop.send(true);
    });
    let mut loop_stopped = stopped;
    scheduler
        .run(async move {
            let _ = loop_stopped.wait_for(|stop| *stop).await;
        })
        .await;
    scheduler.shutdown(ALERT_GRACE).await;
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("metrics server: {e}")),
        Err(e) => return Err(format!("metrics server: {e}")),
    }
    tracing::info!("tally-scheduler stopped");
    Ok(())
}
