//! The emulator over real HTTP on loopback: credentials, JSON:API strictness, the
//! 24-hour rule, payload limits, datasets (versions, pagination, upload),
//! experiments and their events, faults and introspection.

mod auth;
mod datasets;
mod experiments;
mod faults;
mod introspection;
mod limits;
mod strictness;
mod support;
mod window;
