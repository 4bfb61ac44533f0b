//! A small WebDriver client over reqwest, driving Debian's headless `chromium`
//! through `chromedriver` on a loopback port it picks itself (`--port=0`).
//!
//! Only what the UI tests use: sessions, navigation, finding, clicking and typing,
//! running a script, and screenshots. Waiting is always "poll a condition with a
//! deadline"; a test never sleeps for a fixed time.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
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
            base: format!("http://127.0.0.1:{port}"),
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
    http: reqwest::Client,
    session: String,
    pub downloads: PathBuf,
    _profile: tempfile::TempDir,
    _download_dir: tempfile::TempDir,
    driver: Driver,
}

/// An element reference.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Browser {
    pub async fn start() -> Browser {
        let driver = Driver::start();
        let profile = tempfile::tempdir().expect("profile dir");
        let download_dir = tempfile::tempdir().expect("download dir");
        let http = reqwest::Client::new();
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
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "prefs": {
                    "download.default_directory": download_dir.path().display().to_string(),
                    "download.prompt_for_download": false,
                },
            },
        }}});
        let answer: Value = http
            .post(format!("{}/session", driver.base))
            .json(&capabilities)
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("session JSON");
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromium did not start: {answer}"))
            .to_string();
        let browser = Browser {
            http,
            session,
            downloads: download_dir.path().to_path_buf(),
            _profile: profile,
            _download_dir: download_dir,
            driver,
        };
        // Headless Chromium drops downloads unless told where they go.
        browser
            .command(
                "POST",
                "/goog/cdp/execute",
                json!({"cmd": "Browser.setDownloadBehavior", "params": {
                    "behavior": "allow",
                    "downloadPath": browser.downloads.display().to_string(),
                }}),
            )
            .await;
        browser
    }

    async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.driver.base, self.session);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let answer: Value = request
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("WebDriver JSON");
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!(
                "WebDriver {method} {path} failed: {error}: {}",
                answer["value"]["message"]
            );
        }
        answer["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.command("POST", "/url", json!({"url": url})).await;
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": args}),
        )
        .await
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
        let value = self
            .command(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        // The reference is the value of the object's only key.
        let id = value
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element reference for {css}: {value}"));
        Element(id.to_string())
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.command("POST", &format!("/element/{}/click", element.0), json!({}))
            .await;
    }

    /// Types `text` into the element (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command("POST", &format!("/element/{}/clear", element.0), json!({}))
            .await;
        self.command(
            "POST",
            &format!("/element/{}/value", element.0),
            json!({"text": text}),
        )
        .await;
    }

    /// Presses keys on the focused element (`\u{E007}` is Enter).
    pub async fn keys(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command(
            "POST",
            &format!("/element/{}/value", element.0),
            json!({"text": text}),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.command("GET", &format!("/element/{}/text", element.0), json!({}))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A PNG of the page (beyond the window, through the DevTools protocol, at most
    /// `MAX_SHOT_HEIGHT` pixels tall), written to `$TALLY_UI_SCREENSHOTS/<name>.png`
    /// when that variable is set.
    pub async fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("TALLY_UI_SCREENSHOTS") else {
            return;
        };
        let size = self
            .js(
                "const e = document.documentElement; return [e.clientWidth, e.scrollHeight]",
                vec![],
            )
            .await;
        let width = size[0].as_u64().unwrap_or(WIDTH);
        let height = size[1].as_u64().unwrap_or(HEIGHT).min(MAX_SHOT_HEIGHT);
        let shot = self
            .command(
                "POST",
                "/goog/cdp/execute",
                json!({"cmd": "Page.captureScreenshot", "params": {
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                }}),
            )
            .await;
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
        self.command("DELETE", "", json!({})).await;
    }
}
