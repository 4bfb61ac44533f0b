//! The Gemini client: one extraction call per record, exact on the wire, robust
//! under errors.
//!
//! - `settings`: `GenerationSettings`, the client's own input (model, sampling,
//!   output and thinking limits), and which models think.
//! - `pages`: a record's page images (local files or `gs://` URIs).
//! - `prompt`: the system instruction and page labels.
//! - `request`: pages + settings → request body; every pre-flight check.
//! - `wire`: the generateContent JSON types.
//! - `auth`: API key, or Vertex tokens (service-account JWT, metadata server), cached.
//! - `error`: failure kinds and the classification of HTTP errors.
//! - `retry`: the retry policy — the only place that decides about retries.
//! - `gate`: the pacing hook of the retry policy (a shared rate limiter plugs in here).
//! - `answer`: a 200 response → reports, or the reason there are none.
//! - `tokens`: a request's input tokens, estimated before sending (image tiles, text).
//! - `pricing`: cost from the configured price table.
//! - `cache`: the response cache hook and its key.
//! - `batch`: Gemini's batch mode (Developer API): `BatchClient`, batches and answers.
//! - `config`: settings from the environment.
//! - `client`: `GeminiClient`, tying these together; `model`: the `Model` trait.

mod answer;
mod auth;
pub mod batch;
mod cache;
mod client;
mod config;
mod error;
mod gate;
mod model;
mod outcome;
mod pages;
mod pricing;
mod prompt;
mod request;
mod retry;
mod settings;
pub mod tokens;
mod wire;

pub use auth::ServiceAccountKey;
pub use cache::{CacheUse, ResponseCache};
pub use client::GeminiClient;
pub use config::{Backend, ConfigError, GeminiConfig, VertexCredentials};
pub use error::FailureKind;
pub use gate::{AttemptReport, CallGate};
pub use model::{BoxFuture, Model};
pub use outcome::{Answer, EMULATED_RESPONSE_ID_PREFIX, Extraction, ModelFailure, Usage};
pub use pages::{Page, PageSource};
pub use pricing::{Price, PriceTable, PriceTableError};
pub use prompt::SYSTEM_INSTRUCTION;
pub use request::{DEVELOPER_REQUEST_LIMIT, VERTEX_INLINE_IMAGE_LIMIT};
pub use retry::RetryPolicy;
pub use settings::{GenerationSettings, model_thinks};
pub use tally_core::contract::Secret;
