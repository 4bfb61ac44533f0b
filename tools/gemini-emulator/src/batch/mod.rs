//! Batches of the Developer API (`models/{model}:batchGenerateContent`, `batches/*`).
//!
//! A batch's answers are computed when it is created, exactly as the online route
//! computes them (same checks, same seeded answer); they are revealed as its life
//! (the `[batch]` settings, fixed at creation) goes on: pending, running (requests
//! finishing evenly), then succeeded — or expired, or cancelled, without results.
//!
//! - `store`: the batches and their life; `operation`: a batch as the service shows
//!   it (an Operation whose metadata is the `GenerateContentBatch`);
//! - `create`: checking and answering a create request (inline or from a file);
//!   `routes`: the handlers;
//! - `files`: the Files API's files and resumable uploads; `file_routes`: its
//!   handlers (upload, get, list, delete, download of generated files).

mod create;
pub mod file_routes;
mod files;
mod operation;
pub mod routes;
mod store;

pub use store::Batches;
