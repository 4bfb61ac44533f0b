//! The run pipeline end to end: real Redis, real gemini-emulator over HTTP, real
//! workers (in this process, and as child processes for the crash and lease tests).

mod harness;

mod batch;
mod batch_counts;
mod batch_repoll;
mod cache;
mod cancel;
mod completes;
mod crash;
mod daily_quota;
mod datadog;
mod datadog_crash;
mod ddtrace;
mod faults;
mod finalize_inline;
mod finalize_race;
mod footprint;
mod groups;
mod labelsets;
mod limits;
mod ocr;
mod raise_errors;
mod request_keys;
mod retention;
mod retry;
mod spend;
mod stop;
mod stuck;
mod totals;
mod trials;
mod unfinalized;
mod wake;
