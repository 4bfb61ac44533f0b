//! datadog-emulator: an offline stand-in for Datadog LLM Observability's
//! experiments and datasets API and its span and evaluation intakes, strict where
//! Datadog is (keys, JSON:API types, the 24-hour timestamp rule, payload limits),
//! keeping everything it is sent so tests can read it back, with injectable faults.
//! Point ddtrace at it with `DD_LLMOBS_OVERRIDE_ORIGIN=<base_url>`.
//!
//! - `config`: settings from the environment; `state`: what handlers share.
//! - `routes`: the Datadog endpoints; `introspection`: `/_emulator/*`.
//! - `auth`, `faults`, `request_log`: the layers around every Datadog route.
//! - `jsonapi`, `query`, `paging`, `validate`: strict reading of requests.
//! - `store`: projects, datasets and versions, experiments, received events.
//! - `error`: Datadog's error bodies; `clock`, `ids`, `csv`, `multipart`: helpers.
//!
//! In tests: `let emulator = datadog_emulator::spawn(config).await?;` then use
//! `emulator.base_url()`.

mod auth;
mod clock;
pub mod config;
mod csv;
mod error;
mod faults;
mod ids;
mod introspection;
mod jsonapi;
mod multipart;
mod paging;
mod query;
mod request_log;
mod routes;
mod state;
mod store;
mod validate;

use std::future::Future;
use std::sync::Arc;

use tally_daemon::server::spawn_on_loopback;
use tokio::net::TcpListener;

pub use config::{EmulatorConfig, FaultSettings};
pub use faults::{Fault, Target};

/// Serves the emulator on `listener` until `shutdown` resolves.
pub async fn serve(
    config: EmulatorConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = routes::router(Arc::new(state::AppState::new(config)));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// An emulator running in this process on a free loopback port; stops when dropped.
/// Its `base_url()` is the `DD_LLMOBS_OVERRIDE_ORIGIN` to use.
pub use tally_daemon::server::RunningServer as RunningEmulator;

/// Starts an emulator on `127.0.0.1:0` in the current runtime.
pub async fn spawn(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
    config
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    spawn_on_loopback("datadog-emulator", |listener, shutdown| {
        serve(config, listener, shutdown)
    })
    .await
}
