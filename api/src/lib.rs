//! tally-api: the HTTP API of tally. It validates and authenticates requests, records
//! runs and enqueues their jobs, and reports status, results, comparisons and
//! datasets. **Handlers only validate, query or enqueue; they never execute a run**
//! — workers do. Its store handle, `tally_store::ApiStore`, has no operation that
//! could: that is checked by the compiler.
//!
//! - `settings`: every environment variable, parsed once (`Settings`, `ApiKeys`).
//! - `startup`: `Application::build(settings)` → bound listener + router;
//!   `run_until_stopped(shutdown)`.
//! - `backend`: the Redis store and queues, connected on first use and retried, so
//!   the process stays up while Redis is down.
//! - `state`: `AppState`, what handlers share.
//! - `status`: a run's status answer from the store (the status route and events).
//! - `events`: live status for `…/runs/{id}/events` from one Redis subscription,
//!   fanned out to every client of a run by one feed per run.
//! - `store_watch`: the store's condition (reachable, out of memory, …), probed at
//!   most once a second, and since when it has refused writes.
//! - `auth`: the `X-API-Key` layer; `Caller` (the key's name and role).
//! - `roles`: `Role` (read, run, admin) and the per-route check.
//! - `error`: `ApiError` → status + stable code + `ErrorBody`; causes only to the log.
//! - `extract`: body (size limit), query parameters, path ids.
//! - `request_keys`: a request's own Datadog keys, sealed for its run's export.
//! - `request_limits`: URI and header size limits; every 413/414/431 as JSON.
//! - `read_rest`: a body the answer left unread is read to its end (bounded), so a
//!   refused upload's client gets the answer, not a reset connection.
//! - `routes`: one file per route group (submit, runs, experiments, compare,
//!   datasets, upload, schedules, presets, health, docs).
//! - `upload`: a dataset archive (`.tar.gz`, `.zip`) streamed to disk, unpacked
//!   under limits, validated and registered as a version.
//! - `views`: builds the answers of `tally_core::contract::views` from the store.
//! - `datadog_links`: a final run's Datadog links, from its export's progress.
//! - `datadog_datasets`: datasets read from Datadog and pushed to it.
//! - `datadog_export_status`: a run's export in its status; the last export in health.
//! - `export`: results as CSV / JSON lines.
//! - `bootstrap`: the paired bootstrap confidence interval used by compare.
//! - `openapi`: the OpenAPI document (schemas derived with utoipa); `metrics`: Prometheus; logging is `tally_daemon::telemetry`.

pub mod auth;
pub mod backend;
pub mod bootstrap;
pub mod chain;
pub mod datadog_datasets;
pub mod datadog_export_status;
pub mod datadog_links;
pub mod error;
pub mod events;
pub mod export;
pub mod extract;
pub mod labelsets;
pub mod metrics;
pub mod openapi;
mod read_rest;
pub mod request_keys;
pub mod request_limits;
pub mod roles;
mod routes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod status;
pub mod store_watch;
pub mod upload;
pub mod views;

pub use settings::{ApiKeys, LogFormat, Settings};
pub use startup::Application;
