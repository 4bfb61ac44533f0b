//! Batches of the Developer API (`models/{model}:batchGenerateContent`, `batches/*`).
//!
//! A batch's answers are computed when it is created, exactly as the online route
//! computes them (same checks, same seeded answer); they are revealed as its life
//! (the `[batch]` settings, fixed at creation) goes on: pending, running (requests
//! finishing evenly), then succeeded — or expired, or cancelled, without results.
//!
//! - `store`: the batches and their life; `operation`: a batch as the service shows
//!   it (an Operation whose metadata is the `GenerateContentBatch`);
//! - `create`: checking and answering a create request; `routes`: the handlers.

mod create;
mod operation;
pub mod routes;
mod store;

pub use store::Batches;
