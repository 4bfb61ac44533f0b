//! The Datadog export: final runs are mirrored to Datadog LLM Observability
//! beside the run, never in its way. `finalize` puts a final run in the outbox
//! (Redis); every worker drains it, one claimed run at a time, retrying with
//! backoff while Datadog is down or refusing with 408/429/5xx.
//!
//! - `payload`: spans, metrics, config and tags as Datadog takes them.
//! - `export`: one run's export, resumable step by step.

pub mod export;
pub mod payload;

use std::sync::Arc;
use std::time::Duration;

use tally_core::run::RunId;
use tally_datadog::{Credentials, DatadogClient, DatadogSettings};
use tally_store::ExportEnd;

use crate::context::Context;
use export::{ExportError, RunExport};

/// How long a claimed export is this worker's before another may resume it; every
/// recorded step renews it.
const LEASE: Duration = Duration::from_secs(120);
/// How often an idle drainer looks at the outbox.
const IDLE: Duration = Duration::from_millis(500);
/// Backoff after the n-th failed attempt: 1 s, 2 s, 4 s … up to 5 minutes, so an
/// outage of hours is caught up within minutes of its end.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

pub fn backoff(attempt: u32) -> Duration {
    let secs = 1u64.checked_shl(attempt.min(16)).unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

/// The server's Datadog connection: where to send, with the server's keys and the
/// key that opens a request's own.
#[derive(Debug, Clone)]
pub struct DatadogExport {
    pub settings: DatadogSettings,
}

impl DatadogExport {
    /// `None` when the server has neither Datadog keys nor a seal key: nothing is
    /// exported.
    pub fn from_settings(settings: DatadogSettings) -> Option<DatadogExport> {
        (settings.credentials.is_some() || settings.seal_key.is_some())
            .then_some(DatadogExport { settings })
    }

    /// Whether `run` is exported: the server has keys, or the run brought its own.
    pub async fn exports(
        &self,
        store: &tally_store::Store,
        run: &RunId,
    ) -> Result<bool, tally_store::StoreError> {
        Ok(self.settings.credentials.is_some() || store.export_keys(run).await?.is_some())
    }

    /// The keys `run` is exported with: its own (sealed with the run), else the
    /// server's. An error says why there are none.
    async fn credentials(
        &self,
        store: &tally_store::Store,
        run: &RunId,
    ) -> Result<Result<Credentials, String>, tally_store::StoreError> {
        let sealed = store.export_keys(run).await?;
        Ok(
            match (sealed, &self.settings.seal_key, &self.settings.credentials) {
                (Some(sealed), Some(seal_key), _) => seal_key
                    .open(run.as_str(), &sealed)
                    .map_err(|e| e.to_string()),
                (Some(_), None, _) => Err(
                    "the run's own Datadog keys are sealed, and this worker has no TALLY_SEAL_KEY"
                        .to_string(),
                ),
                (None, _, Some(server)) => Ok(server.clone()),
                (None, _, None) => Err("no Datadog keys for this run".to_string()),
            },
        )
    }
}

/// Drains the outbox until `shutdown` resolves.
pub async fn drain(context: Arc<Context>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let worked = match drain_once(&context).await {
            Ok(worked) => worked,
            Err(error) => {
                tracing::warn!(%error, "Datadog outbox unreadable; trying again later");
                false
            }
        };
        if !worked {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(IDLE) => {}
            }
        }
    }
}

/// Claims and exports one due run; `false` when none was due.
pub async fn drain_once(context: &Context) -> Result<bool, tally_store::StoreError> {
    let Some(export) = &context.datadog else {
        return Ok(false);
    };
    let Some(claimed) = context.store.claim_export(LEASE).await? else {
        return Ok(false);
    };
    let Ok(run_id) = RunId::parse(&claimed) else {
        tracing::warn!(member = %claimed, "not a run id in the Datadog outbox; dropped");
        context.store.forget_export(&claimed).await?;
        return Ok(true);
    };
    let Some(run) = context.store.run(&run_id).await? else {
        let end = ExportEnd::Failed("the run no longer exists".into());
        context.store.end_export(&run_id, &end).await?;
        return Ok(true);
    };
    let progress = context.store.export_progress(&run_id).await?;
    let attempts: u32 = progress
        .get("attempts")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let origin = export.settings.origin(run.record.request.site);
    let credentials = match export.credentials(&context.store, &run_id).await? {
        Ok(credentials) => credentials,
        Err(reason) => {
            let end = ExportEnd::Failed(reason);
            context.store.end_export(&run_id, &end).await?;
            return Ok(true);
        }
    };
    let outcome = match DatadogClient::new(origin, credentials) {
        Ok(client) => {
            RunExport {
                store: &context.store,
                client: &client,
                run: &run.record,
                progress,
                lease: LEASE,
            }
            .run()
            .await
        }
        Err(error) => Err(ExportError::Datadog(error)),
    };
    match outcome {
        Ok(()) => {
            context
                .store
                .end_export(&run_id, &ExportEnd::Exported)
                .await?;
            context
                .metrics
                .datadog_exports
                .with_label_values(&["exported"])
                .inc();
            tracing::info!(%run_id, "run exported to Datadog");
        }
        Err(error) if error.is_retryable() => {
            let wait = backoff(attempts);
            context
                .store
                .retry_export(&run_id, wait, &error.to_string())
                .await?;
            context
                .metrics
                .datadog_exports
                .with_label_values(&["retried"])
                .inc();
            tracing::warn!(%run_id, %error, retry_in_secs = wait.as_secs(), "Datadog export failed; will retry");
        }
        Err(error) => {
            let end = ExportEnd::Failed(error.to_string());
            context.store.end_export(&run_id, &end).await?;
            context
                .metrics
                .datadog_exports
                .with_label_values(&["failed"])
                .inc();
            tracing::error!(%run_id, %error, "Datadog export failed for good");
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        let waits: Vec<u64> = (0..12).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    }
}
