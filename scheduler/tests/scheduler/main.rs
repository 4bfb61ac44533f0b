//! tally-scheduler against a real Redis (a namespace per test), with a simulated
//! clock, the shipped sample dataset, and a real webhook server on loopback.

mod alerts;
mod logs;
mod slots;
mod store;
mod support;
