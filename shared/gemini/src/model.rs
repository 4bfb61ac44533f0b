//! The `Model` trait: what the pipeline calls, so tests and other providers can stand
//! in for Gemini behind one object-safe interface.

use std::future::Future;
use std::pin::Pin;

use super::client::GeminiClient;
use super::outcome::{Extraction, ModelFailure};
use super::pages::Page;
use super::settings::GenerationSettings;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something that reads a record's pages into reports.
pub trait Model: Send + Sync {
    fn extract<'a>(
        &'a self,
        pages: &'a [Page],
        settings: &'a GenerationSettings,
    ) -> BoxFuture<'a, Result<Extraction, ModelFailure>>;
}

impl Model for GeminiClient {
    fn extract<'a>(
        &'a self,
        pages: &'a [Page],
        settings: &'a GenerationSettings,
    ) -> BoxFuture<'a, Result<Extraction, ModelFailure>> {
        Box::pin(GeminiClient::extract(self, pages, settings))
    }
}
