//! Integration tests of tally-api: the real application on a loopback port, talking
//! to the real Redis (each test in its own namespace `test:api:<unique>`).

mod archives;
mod helpers;

mod auth;
mod compare;
mod datadog_datasets;
mod datasets;
mod docs;
mod errors;
mod events;
mod health;
mod labelsets;
mod redis_down;
mod refused_uploads;
mod results;
mod roles;
mod runs;
mod schedules;
mod schema;
mod secrets;
mod seed_clients;
mod slow_clients;
mod status_cache;
mod submit;
mod ui;
mod upload;
