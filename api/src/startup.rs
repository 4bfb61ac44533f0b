//! `Application`: settings → a bound listener and the router, ready to serve.
//! `build` binds (port 0 picks a free port, which tests read back with `port`), and
//! `run_until_stopped` serves until the given shutdown future completes, then lets
//! requests in flight finish.
//!
//! Redis is not needed to start: the store connects on first use (`backend`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tally_core::dataset::{DataDir, DataDirError};
use tally_core::run::PublicUrls;
use tally_daemon::serve::{ConnectionLimits, serve_router};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::backend::Backend;
use crate::events::Events;
use crate::metrics::Metrics;
use crate::routes;
use crate::settings::Settings;
use crate::state::{AppState, Shared};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("TALLY_DATA_DIR: {0}")]
    DataDir(#[from] DataDirError),
    #[error("TALLY_LISTEN: cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    base_url: String,
    router: Router,
    limits: ConnectionLimits,
    shutting_down: watch::Sender<bool>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let data_dir = DataDir::open(&settings.data_dir)?;
        let bind_error = |source| StartError::Bind {
            address: settings.listen,
            source,
        };
        let listener = TcpListener::bind(settings.listen)
            .await
            .map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        let base_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| default_public_url(address));
        let urls = PublicUrls::new(&base_url);
        let (shutting_down, shutting_down_rx) = watch::channel(false);
        let state = AppState::new(Shared {
            backend: Arc::new(Backend::new(settings.store.clone())),
            store_watch: Arc::default(),
            events: Arc::new(Events::new(
                settings.store.clone(),
                settings.status_cache_max_age,
            )),
            urls: urls.clone(),
            data_dir,
            api_keys: Arc::new(settings.api_keys.clone()),
            metrics: Metrics::new()?,
            body_limit_bytes: settings.body_limit_bytes,
            upload_limits: settings.upload,
            run_max_wait: settings.run_max_wait,
            label_lease: settings.label_lease,
            datadog: settings.datadog.clone(),
            webhook_allow_private: settings.webhook_allow_private,
            vertex_backend: settings.vertex_backend,
            shutting_down: shutting_down_rx,
        });
        Ok(Application {
            listener,
            address,
            base_url: urls.base().to_string(),
            router: routes::router(state),
            limits: settings.connection_limits,
            shutting_down,
        })
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The base of every URL the API hands out.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Serves until `shutdown` completes; then waiting `/run` requests answer 202 at
    /// once and the server stops after the requests in flight.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let shutting_down = self.shutting_down;
        serve_router(self.listener, self.limits, self.router, async move {
            shutdown.await;
            tracing::info!("shutting down: finishing requests in flight");
            shutting_down.send_replace(true);
        })
        .await;
        Ok(())
    }
}

/// `http://<address>`, with `localhost` for an unspecified (0.0.0.0 / ::) address.
fn default_public_url(address: SocketAddr) -> String {
    if address.ip().is_unspecified() {
        format!("http://localhost:{}", address.port())
    } else {
        format!("http://{address}")
    }
}
