//! Dataset folders end to end: validation on disk, and import into a real Redis.

mod compact;
mod import;
mod loader;
mod streaming;
mod support;
