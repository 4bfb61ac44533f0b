//! Integration tests of the emulator and of the Gemini client against it, over real
//! HTTP on loopback.

mod answers;
mod batches;
mod contract;
mod edges;
mod file_deletes;
mod latency;
mod logs;
mod malformed;
mod support;
mod uploads;
mod vertex;
