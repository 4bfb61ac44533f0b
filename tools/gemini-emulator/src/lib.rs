//! gemini-emulator: an offline stand-in for the Gemini generateContent API that
//! speaks the exact wire format, strictly, and answers from dataset ground truth.
//!
//! Answers are emulated: a record's expected output, perturbed by the model's seeded
//! error profile. Use it for development, tests, demos and benchmarks — never as a
//! measure of a real model.
//!
//! - `config`: settings (built-in `emulator.toml`, a file merged over it, env).
//! - `server`: the accept loop (over hyper, for connection-reset faults);
//!   `routes`: the router; `generate`: the generateContent handlers; `batch`: the
//!   batches (create, get, list, cancel, delete; answered like online requests).
//! - `validate`: strict protobuf-JSON checks with Google's error wording.
//! - `google_error`: Google's error bodies.
//! - `index`: records by image hash; `perturb`: error profiles; `answer`: the
//!   response with token usage; `rng`: seeded randomness.
//! - `quota`, `faults`, `latency`: rate limits, injected faults, response times.
//! - `oauth`: token endpoint, metadata server, bearer-token checks.
//! - `stats`, `introspection`: counters, request log, run-time settings.
//! - `admin`: the `EMULATOR_ADMIN_TOKEN` check of the `/_emulator/*` routes.
//! - `fixtures`: sample PNGs and a sample dataset, for tests and benchmarks.
//!
//! In tests of other crates: `let emulator = gemini_emulator::spawn(config).await?;`
//! then point the client at `emulator.base_url()`.

mod admin;
mod answer;
mod batch;
pub mod config;
mod faults;
pub mod fixtures;
mod generate;
mod google_error;
mod index;
mod introspection;
mod latency;
mod oauth;
mod perturb;
mod quota;
mod rng;
mod routes;
mod server;
mod state;
mod stats;
mod validate;

use std::future::Future;
use std::sync::Arc;

use tally_daemon::serve::ConnectionLimits;
use tally_daemon::server::spawn_on_loopback;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::{
    BatchSettings, EmulatorConfig, ErrorProfile, FaultRates, Latency, ModelProfile, StateNames,
    ThinkingRange,
};
pub use faults::Fault;

use index::DatasetIndex;
use state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("trusted service accounts: {0}")]
    ServiceAccounts(String),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
}

/// Serves the emulator on `listener` until `shutdown` resolves. Listening starts at
/// once; the dataset index is built in the background and requests that need it
/// wait for it.
pub async fn serve(
    config: EmulatorConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    serve_with(config, listener, ServerOptions::default(), shutdown).await
}

/// How the emulator's server is run, apart from what it emulates.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Limits on slow clients and open connections.
    pub limits: ConnectionLimits,
    /// `EMULATOR_ADMIN_TOKEN`: when set, `/_emulator/*` needs it as a bearer token.
    pub admin_token: Option<String>,
}

/// [`serve`] with the given server options.
pub async fn serve_with(
    config: EmulatorConfig,
    listener: TcpListener,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let (index_sender, index_receiver) = watch::channel(None);
    let datasets = config.datasets.clone();
    let state =
        Arc::new(AppState::new(config, index_receiver).map_err(ServeError::ServiceAccounts)?);
    tokio::task::spawn_blocking(move || {
        let index = match datasets {
            Some(root) => {
                let started = std::time::Instant::now();
                let index = DatasetIndex::build(&root);
                for warning in &index.warnings {
                    tracing::warn!("dataset index: {warning}");
                }
                tracing::info!(
                    root = %root.display(),
                    records = index.record_count(),
                    images = index.image_count(),
                    ms = started.elapsed().as_millis() as u64,
                    "datasets indexed"
                );
                index
            }
            None => DatasetIndex::default(),
        };
        let _ = index_sender.send(Some(Arc::new(index)));
    });
    server::run(
        routes::router(state, options.admin_token),
        listener,
        options.limits,
        shutdown,
    )
    .await;
    Ok(())
}

/// An emulator running in this process on a free loopback port; stops when dropped.
/// Its `base_url()` is the `GEMINI_BASE_URL` to use.
pub use tally_daemon::server::RunningServer as RunningEmulator;

/// Starts an emulator on `127.0.0.1:0` in the current runtime.
pub async fn spawn(config: EmulatorConfig) -> Result<RunningEmulator, ServeError> {
    // Fail here, not in the background task, when the configuration is unusable.
    oauth::Tokens::new(&config.service_accounts).map_err(ServeError::ServiceAccounts)?;
    let running = spawn_on_loopback("gemini-emulator", |listener, shutdown| {
        serve(config, listener, shutdown)
    })
    .await?;
    Ok(running)
}
