//! End-to-end tests of the web UI: headless Chromium (Debian's `chromium`, driven
//! through `chromedriver`) against a real tally-api, real workers and the Gemini
//! emulator, all in this process, each test in its own Redis namespace.
//!
//! Set `TALLY_UI_SCREENSHOTS=<folder>` to save the pages' screenshots there
//! (`docs/screenshots/` holds the committed ones).

// The API test helpers (`spawn_app`) are shared with the API's own suite, not copied;
// not every helper is used here. The pipeline comes from `tally-test-support`.
#[allow(dead_code)]
#[path = "../api/archives.rs"]
mod archives;
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod flows;
mod labelling;
mod roles;
mod run_page;
mod stack;
mod upload;
mod webdriver;
