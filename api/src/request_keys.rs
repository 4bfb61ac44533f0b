//! A request's own Datadog keys (`api_key`, `app_key`): checked, then sealed with
//! the server's `TALLY_SEAL_KEY` for the run's export (`tally_datadog::SealKey`).
//! They are never logged, echoed or stored in the clear; without a seal key the
//! server keeps none and the run exports with the server's keys, if any.

use tally_core::contract::ExperimentRequest;
use tally_datadog::{Credentials, DatadogSettings, SealKey};

use crate::error::ApiError;

/// Seals the request's keys for a run id.
pub struct Sealer {
    key: SealKey,
    credentials: Credentials,
}

impl Sealer {
    pub fn seal(&self, run: &str) -> String {
        self.key.seal(run, &self.credentials)
    }
}

/// The sealer of `request`'s keys; `None` when it brings none, or when the server
/// keeps none (no `TALLY_SEAL_KEY`).
pub fn sealer(
    settings: &DatadogSettings,
    request: &ExperimentRequest,
) -> Result<Option<Sealer>, ApiError> {
    if request.api_key.is_none() && request.app_key.is_none() {
        return Ok(None);
    }
    let Some(key) = settings.seal_key.clone() else {
        tracing::info!("a request's Datadog keys are not kept: TALLY_SEAL_KEY is not set");
        return Ok(None);
    };
    let server_app_key = settings.credentials.as_ref().map(|c| c.app_key.clone());
    let credentials = match (&request.api_key, &request.app_key) {
        (None, None) => return Ok(None),
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "api_key",
                "is required with app_key (Datadog's experiments API needs both)",
            ));
        }
        (Some(api_key), app_key) => match app_key.clone().or(server_app_key) {
            Some(app_key) => Credentials {
                api_key: api_key.clone(),
                app_key,
            },
            None => {
                return Err(ApiError::invalid(
                    "app_key",
                    "is required with api_key: Datadog's experiments API needs both, and \
                     this server has no DD_APP_KEY",
                ));
            }
        },
    };
    Ok(Some(Sealer { key, credentials }))
}
