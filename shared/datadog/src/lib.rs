//! tally's Datadog LLM Observability client.
//!
//! A small hand-written client over reqwest rather than the official
//! `datadog-api-client`: tally needs a handful of endpoints, the ones ddtrace itself calls
//! (some only under `/api/unstable/`), and the generated crate is one of the largest
//! on crates.io, which this workspace would build on every CI run for those few.
//!
//! - `settings`: `DD_API_KEY`, `DD_APP_KEY`, `DD_SITE`, `DD_LLMOBS_OVERRIDE_ORIGIN`,
//!   `TALLY_SEAL_KEY`.
//! - `site`: the API origin and the UI links for a site.
//! - `client`: the calls (project, dataset, records, experiment, status, events).
//! - `records`: tally records as Datadog records and back; pushing a version.
//! - `seal`: a request's own keys, encrypted with the server's `TALLY_SEAL_KEY`.
//! - `error`: what failed and whether trying again can help.

mod client;
mod error;
mod records;
mod seal;
mod settings;
mod site;

pub use client::{DatadogClient, Dataset, NewExperiment, NewRecord, PulledRecord, RecordsPage};
pub use error::DatadogError;
pub use records::{push_dataset, to_tally_line};
pub use seal::{SealError, SealKey};
pub use settings::{Credentials, DatadogSettings, SettingsError};
pub use site::{Origin, UiLinks};
