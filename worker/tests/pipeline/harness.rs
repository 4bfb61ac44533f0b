//! The pipeline fixture lives in `tally-test-support` (the CLI's tests use it too).

pub use tally_test_support::pipeline::*;
