//! The UI tests' browser: Debian's headless `chromium`, driven through `chromedriver`
//! (on a loopback port it picks itself, `--port=0`) with the fantoccini WebDriver
//! client.
//!
//! Only what the UI tests use: sessions, navigation, finding, clicking and typing,
//! running a script, and screenshots; the two Chromium-only DevTools commands
//! (downloads, full-page screenshots) go through fantoccini's custom commands.
//! Waiting is always "poll a condition with a deadline"; a test never sleeps for a
//! fixed time.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
/// Laptop-sized window.
const WIDTH: u64 = 1366;
const HEIGHT: u64 = 900;
/// Long pages (a record's drill-down) are cut here: the top tells the story.
const MAX_SHOT_HEIGHT: u64 = 1600;

/// A running chromedriver; killed when dropped.
pub struct Driver {
    child: Child,
    base: String,
}

impl Driver {
    /// Starts chromedriver, failing loudly (never skipping) when it or Chromium is
    /// missing: the UI tests are part of the suite.
    pub fn start() -> Driver {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: the web UI tests need Debian's chromium and chromium-driver \
             (scripts/test.sh installs them; or apt-get install chromium chromium-driver)"
        );
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {CHROMEDRIVER} ({e}): the web UI tests need chromium-driver \
                     (scripts/test.sh installs it; or apt-get install chromium-driver)"
                )
            });
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("{CHROMEDRIVER} exited before saying its port"))
                .expect("chromedriver output");
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest.trim_end_matches('.').trim().to_string();
            }
        };
        // Keep reading so chromedriver never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Driver {
            child,
            base: format!("http://127.0.0.1:{port}/"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session with its own profile and download folder.
pub struct Browser {
    client: Client,
    pub downloads: PathBuf,
    _profile: tempfile::TempDir,
    _download_dir: tempfile::TempDir,
    // Dropped last: chromedriver outlives the session it serves.
    _driver: Driver,
}

/// A Chromium DevTools command (`POST /session/{id}/goog/cdp/execute`), which the
/// WebDriver standard does not cover.
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.expect("DevTools commands run inside a session");
        base_url.join(&format!("session/{session}/goog/cdp/execute"))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    pub async fn start() -> Browser {
        let driver = Driver::start();
        let profile = tempfile::tempdir().expect("profile dir");
        let download_dir = tempfile::tempdir().expect("download dir");
        let args = [
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--lang=en-US".to_string(),
            format!("--window-size={WIDTH},{HEIGHT}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "prefs": {
                    "download.default_directory": download_dir.path().display().to_string(),
                    "download.prompt_for_download": false,
                },
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.base)
            .await
            .unwrap_or_else(|e| panic!("chromium did not start: {e}"));
        let browser = Browser {
            client,
            downloads: download_dir.path().to_path_buf(),
            _profile: profile,
            _download_dir: download_dir,
            _driver: driver,
        };
        // Headless Chromium drops downloads unless told where they go.
        browser
            .devtools(
                "Browser.setDownloadBehavior",
                json!({
                    "behavior": "allow",
                    "downloadPath": browser.downloads.display().to_string(),
                }),
            )
            .await;
        browser
    }

    async fn devtools(&self, cmd: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(DevTools { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("DevTools {cmd} failed: {e}"))
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("WebDriver goto {url} failed: {e}"));
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("WebDriver script failed: {e}"))
    }

    /// Polls `script` until it returns something other than null/false/"", and
    /// returns that (panics after `within`, naming `what`).
    pub async fn wait_for(&self, what: &str, script: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let value = self.js(script, vec![]).await;
            let done =
                !matches!(&value, Value::Null | Value::Bool(false)) && value.as_str() != Some("");
            if done {
                return value;
            }
            if Instant::now() >= deadline {
                let url = self.js("return location.href", vec![]).await;
                let text = self
                    .js("return document.body.innerText.slice(0, 1500)", vec![])
                    .await;
                panic!("{what}: not within {within:?} (at {url}); the page says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element matching `css`, waited for.
    pub async fn find(&self, css: &str) -> Element {
        let script = format!(
            "return document.querySelector({}) !== null",
            serde_json::to_string(css).expect("css as JSON")
        );
        self.wait_for(&format!("element {css}"), &script, Duration::from_secs(15))
            .await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("WebDriver find {css} failed: {e}"))
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("WebDriver click on {css} failed: {e}"));
    }

    /// Types `text` into the element (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("WebDriver clear of {css} failed: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("WebDriver typing into {css} failed: {e}"));
    }

    /// Presses keys on the focused element (`\u{E007}` is Enter).
    pub async fn keys(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("WebDriver keys on {css} failed: {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("WebDriver text of {css} failed: {e}"))
    }

    /// A PNG of the page (beyond the window, through the DevTools protocol, at most
    /// `MAX_SHOT_HEIGHT` pixels tall), written to `$TALLY_UI_SCREENSHOTS/<name>.png`
    /// when that variable is set.
    pub async fn screenshot(&self, name: &str) {
        if std::env::var_os("TALLY_UI_SCREENSHOTS").is_none() {
            return;
        }
        let size = self
            .js(
                "const e = document.documentElement; return [e.clientWidth, e.scrollHeight]",
                vec![],
            )
            .await;
        let width = size[0].as_u64().unwrap_or(WIDTH);
        let height = size[1].as_u64().unwrap_or(HEIGHT).min(MAX_SHOT_HEIGHT);
        self.save_shot(
            name,
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            }),
        )
        .await;
    }

    /// A PNG of the window alone, for a page laid out to the window's height (the
    /// labelling workbench), which a taller capture would lay out again.
    pub async fn screenshot_window(&self, name: &str) {
        if std::env::var_os("TALLY_UI_SCREENSHOTS").is_none() {
            return;
        }
        self.save_shot(name, json!({"format": "png"})).await;
    }

    async fn save_shot(&self, name: &str, params: Value) {
        let Some(dir) = std::env::var_os("TALLY_UI_SCREENSHOTS") else {
            return;
        };
        let shot = self.devtools("Page.captureScreenshot", params).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("base64 PNG"))
            .expect("screenshot decodes");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("screenshot written");
    }

    /// Polls the download folder until a finished file whose name ends with
    /// `suffix` appears; returns its text.
    pub async fn downloaded(&self, suffix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found = std::fs::read_dir(&self.downloads)
                .expect("download dir")
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .find(|path| path.to_string_lossy().ends_with(suffix));
            if let Some(path) = found {
                return std::fs::read_to_string(path).expect("download readable");
            }
            assert!(
                Instant::now() < deadline,
                "no download ending in {suffix} in {}",
                self.downloads.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn quit(self) {
        self.client
            .close()
            .await
            .unwrap_or_else(|e| panic!("WebDriver quit failed: {e}"));
    }
}
