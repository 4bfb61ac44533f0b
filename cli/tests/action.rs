//! The GitHub Action's scripts (`action/*.sh`, run by `action.yml`) as a job runs
//! them, against a real tally: the pull-request comment rendered from real runs and
//! held to a committed snapshot, the self-contained mode from build to stop, the
//! failure notice posted to a webhook, and the search for the comment to update.
//!
//! `TALLY_UPDATE_SNAPSHOTS=1` rewrites `action/testdata/pr-comment.md` from this run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};
use tally_test_support::pipeline::{API_KEY, Harness, SAMPLE, repo_datasets};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository root")
}

/// The folder of the `tally` binary this test was built with (as `tally-bin-dir`).
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_tally"))
        .parent()
        .expect("binary folder")
        .to_path_buf()
}

/// One job of the action: its environment (inputs and GitHub's variables) and its
/// files folder; `step` runs one script the way a step of `action.yml` does.
struct Job {
    env: BTreeMap<String, String>,
    dir: tempfile::TempDir,
}

impl Job {
    fn new(inputs: &[(&str, &str)]) -> Job {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env: BTreeMap<String, String> = inputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.insert("INPUT_OUTPUT_DIR".into(), dir.path().display().to_string());
        Job { env, dir }
    }

    fn set(&mut self, name: &str, value: &str) {
        self.env.insert(name.into(), value.into());
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    async fn step(&self, script: &str, args: &[&str]) -> Output {
        let output = tokio::process::Command::new("bash")
            .arg(repo_root().join("action").join(script))
            .args(args)
            .envs(&self.env)
            // Outside GitHub: no runner files, outputs go to standard error.
            .env_remove("GITHUB_OUTPUT")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("GITHUB_ENV")
            .current_dir(self.dir.path())
            .kill_on_drop(true)
            .output()
            .await
            .expect("bash runs");
        assert!(
            output.status.success(),
            "action/{script} {args:?} failed: {}",
            describe(&output)
        );
        output
    }

    fn json(&self, name: &str) -> Value {
        let text =
            std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"))
    }

    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The inputs of an endpoint-mode job on the harness's API, with the quick-ci preset.
fn endpoint_inputs(api: &str) -> Vec<(&'static str, String)> {
    vec![
        ("INPUT_MODE", "endpoint".into()),
        ("INPUT_API_URL", api.into()),
        ("INPUT_API_KEY", API_KEY.into()),
        ("INPUT_DATASET", SAMPLE.into()),
        ("INPUT_PRESET", "quick-ci".into()),
        ("INPUT_THRESHOLD", "0.95".into()),
        ("INPUT_TALLY_BIN_DIR", bin_dir().display().to_string()),
        ("GITHUB_REPOSITORY", "example/tally".into()),
        ("GITHUB_SERVER_URL", "https://github.com".into()),
    ]
}

fn job_with(inputs: &[(&'static str, String)]) -> Job {
    let pairs: Vec<(&str, &str)> = inputs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Job::new(&pairs)
}

/// Ids and ports vary from run to run; the snapshot holds everything else.
fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let id_prefix = ["run_", "exp_"]
            .into_iter()
            .find(|prefix| rest.starts_with(prefix) && is_ulid(&rest[prefix.len()..]));
        if let Some(prefix) = id_prefix {
            out += prefix;
            out += "<id>";
            rest = &rest[prefix.len() + 26..];
        } else if let Some(after) = rest.strip_prefix("127.0.0.1:") {
            let digits = after.chars().take_while(char::is_ascii_digit).count();
            out += "127.0.0.1:<port>";
            rest = &after[digits..];
        } else {
            let next = rest.chars().next().expect("not empty");
            out.push(next);
            rest = &rest[next.len_utf8()..];
        }
    }
    out
}

fn is_ulid(text: &str) -> bool {
    text.len() >= 26
        && text.as_bytes()[..26]
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pull_request_comment_of_real_runs_matches_the_snapshot() {
    let mut harness = Harness::start("action-comment", 10).await;
    let api = harness.start_api().await;
    harness.start_worker("w").await;

    // The base branch's run, as a push to main leaves it.
    let mut main = job_with(&endpoint_inputs(&api));
    main.set("GITHUB_EVENT_NAME", "push");
    main.set("GITHUB_REF_NAME", "main");
    main.set("GITHUB_SHA", "1111111111111111111111111111111111111111");
    main.step("check-inputs.sh", &[]).await;
    main.step("run.sh", &["run"]).await;
    assert_eq!(main.json("run-run.json")["verdict"], "passed");

    // The pull request makes Flash-Lite slip a digit on every answer (and the
    // answers the base branch cached stand for the old prompt).
    harness
        .patch_emulator(json!({"models": {
            "gemini-2.5-flash-lite": {"errors": {"digit_slip": 1.0}}
        }}))
        .await;
    harness.clear_response_cache().await;
    let mut pr = job_with(&endpoint_inputs(&api));
    let event = json!({
        "pull_request": {
            "number": 12,
            "head": {"sha": "2222222222222222222222222222222222222222",
                     "repo": {"full_name": "example/tally"}},
            "base": {"sha": "1111111111111111111111111111111111111111",
                     "repo": {"full_name": "example/tally"}}
        },
        "repository": {"full_name": "example/tally"}
    });
    std::fs::write(pr.path("event.json"), event.to_string()).expect("event file");
    let event_path = pr.path("event.json").display().to_string();
    pr.set("GITHUB_EVENT_PATH", &event_path);
    pr.set("GITHUB_EVENT_NAME", "pull_request");
    pr.set("GITHUB_BASE_REF", "main");
    pr.set("GITHUB_HEAD_REF", "lite-prompt");
    pr.set("GITHUB_SHA", "3333333333333333333333333333333333333333");
    pr.set("GITHUB_RUN_ID", "4242");
    pr.step("check-inputs.sh", &[]).await;
    pr.step("run.sh", &["run"]).await;
    assert_eq!(
        pr.json("run-run.json")["verdict"],
        "below-threshold",
        "every Flash-Lite answer is off by a digit"
    );
    let found = pr.step("baseline.sh", &[]).await;
    assert_eq!(
        pr.json("baseline-run.json")["run_id"],
        main.json("run-run.json")["run_id"],
        "the main run is the baseline: {}",
        describe(&found)
    );
    pr.step("compare.sh", &[]).await;
    pr.step("render-comment.sh", &[]).await;

    let comment = normalized(&pr.text("comment.md"));
    let snapshot = repo_root().join("action/testdata/pr-comment.md");
    if std::env::var_os("TALLY_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &comment).expect("snapshot written");
    }
    let expected = std::fs::read_to_string(&snapshot).expect("action/testdata/pr-comment.md");
    assert_eq!(
        comment, expected,
        "the rendered comment differs from action/testdata/pr-comment.md \
         (TALLY_UPDATE_SNAPSHOTS=1 rewrites it)"
    );
    assert!(comment.starts_with("<!-- tally-action:pr-comment quick-ci:"));
    assert!(comment.contains("🔻 worse"), "{comment}");
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_without_a_stored_baseline_says_so() {
    let mut harness = Harness::start("action-no-baseline", 10).await;
    let api = harness.start_api().await;
    harness.start_worker("w").await;

    let mut pr = job_with(&endpoint_inputs(&api));
    std::fs::write(
        pr.path("event.json"),
        json!({"pull_request": {"number": 3}}).to_string(),
    )
    .expect("event file");
    let event_path = pr.path("event.json").display().to_string();
    pr.set("GITHUB_EVENT_PATH", &event_path);
    pr.set("GITHUB_EVENT_NAME", "pull_request");
    pr.set("GITHUB_BASE_REF", "main");
    pr.step("check-inputs.sh", &[]).await;
    pr.step("run.sh", &["run"]).await;
    pr.step("baseline.sh", &[]).await;
    pr.step("compare.sh", &[]).await;
    pr.step("render-comment.sh", &[]).await;
    let comment = pr.text("comment.md");
    assert!(
        comment.contains("**No baseline:**") && comment.contains("| no baseline |"),
        "{comment}"
    );
    harness.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_contained_mode_builds_starts_runs_and_stops_everything() {
    let redis_url = tally_test_support::namespace::redis_url();
    let mut job = Job::new(&[
        ("INPUT_MODE", "self-contained"),
        ("INPUT_DATASET", SAMPLE),
        ("INPUT_PRESET", "quick-ci"),
        ("INPUT_THRESHOLD", "0.5"),
        ("INPUT_WORKERS", "1"),
        ("INPUT_CARGO_PROFILE", "dev"),
        ("TALLY_REDIS_URL", redis_url.as_str()),
    ]);
    job.set(
        "INPUT_DATA_DIR",
        &repo_datasets()
            .canonicalize()
            .expect("datasets")
            .display()
            .to_string(),
    );
    job.step("check-inputs.sh", &[]).await;
    let built = job.step("build.sh", &[]).await;
    assert!(
        String::from_utf8_lossy(&built.stderr)
            .contains("-p tally-api -p tally-worker -p gemini-emulator"),
        "{}",
        describe(&built)
    );
    job.step("start.sh", &[]).await;
    let namespace = job.text("daemons/namespace").trim().to_string();
    let pids: Vec<u32> = std::fs::read_dir(job.path("daemons"))
        .expect("daemons folder")
        .filter_map(|entry| {
            let path = entry.expect("entry").path();
            (path.extension()? == "pid")
                .then(|| std::fs::read_to_string(&path).expect("pid file"))
                .and_then(|text| text.trim().parse().ok())
        })
        .collect();
    assert_eq!(pids.len(), 3, "emulator, API and one worker");

    job.step("run.sh", &["run"]).await;
    let run = job.json("run-run.json");
    assert_eq!(run["verdict"], "passed", "{run}");
    let result = job.json("run-result.json");
    assert_eq!(result["total_experiments"], 2);
    assert!(
        result["experiments"]
            .as_array()
            .expect("experiments")
            .iter()
            .all(|e| e["emulated"] == true && e["total_records"] == 5),
        "{result}"
    );

    job.step("summary.sh", &[]).await;
    let summary = job.text("summary.md");
    assert!(
        summary.contains("| experiment | model |")
            && summary.contains("vote-extraction-ci-lite")
            && summary.contains("**Emulated:**")
            && !summary.contains("127.0.0.1"),
        "a table without links into the stopped tally: {summary}"
    );

    job.step("stop.sh", &[]).await;
    for pid in &pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|stat| stat.contains(") Z ")),
            "process {pid} still runs after stop.sh"
        );
    }
    let mut redis = tally_test_support::namespace::redis_connection().await;
    let left: Vec<String> = redis::cmd("KEYS")
        .arg(format!("*{namespace}*"))
        .query_async(&mut redis)
        .await
        .expect("keys");
    assert!(left.is_empty(), "stop.sh leaves no key behind: {left:?}");
    let finished = job.step("finish.sh", &[]).await;
    assert!(
        String::from_utf8_lossy(&finished.stderr).contains("the run succeeded"),
        "{}",
        describe(&finished)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_threshold_is_posted_to_the_webhook_with_the_numbers() {
    let mut harness = Harness::start("action-webhook", 10).await;
    let api = harness.start_api().await;
    harness.start_worker("w").await;
    harness
        .patch_emulator(json!({"models": {
            "gemini-2.5-flash": {"errors": {"digit_slip": 1.0}},
            "gemini-2.5-flash-lite": {"errors": {"digit_slip": 1.0}}
        }}))
        .await;

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let webhook = format!("http://{}/hook", listener.local_addr().expect("address"));
    let received = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("a POST");
        let mut request = Vec::new();
        let mut buffer = [0u8; 8192];
        // Read until the body announced by Content-Length has arrived.
        loop {
            let n = socket.read(&mut buffer).await.expect("read");
            request.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&request).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().expect("length"))
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    socket
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await
                        .expect("answer");
                    return (head.to_string(), body.to_string());
                }
            }
            assert!(n > 0, "the connection closed before the body: {text}");
        }
    });

    let mut job = job_with(&endpoint_inputs(&api));
    job.set("GITHUB_EVENT_NAME", "schedule");
    job.set("INPUT_FAILURE_ISSUE", "false");
    job.step("check-inputs.sh", &[]).await;
    job.step("run.sh", &["run"]).await;
    job.set("VERDICT", "below-threshold");
    job.set("INPUT_WEBHOOK_URL", &webhook);
    job.step("notify-failure.sh", &[]).await;

    let (head, body) = received.await.expect("webhook server");
    assert!(head.starts_with("POST /hook "), "{head}");
    let notice: Value = serde_json::from_str(&body).expect("a JSON body");
    assert_eq!(notice["verdict"], "below-threshold");
    assert!(
        notice["text"]
            .as_str()
            .is_some_and(|t| t.contains("missed overall_accuracy ≥ 0.95")),
        "{notice}"
    );
    assert_eq!(notice["run_id"], job.json("run-run.json")["run_id"]);
    let experiments = notice["experiments"].as_array().expect("experiments");
    assert_eq!(experiments.len(), 2);
    assert!(
        experiments
            .iter()
            .all(|e| e["overall_accuracy"].as_f64().is_some_and(|a| a < 0.95)),
        "{notice}"
    );
    harness.cleanup().await;
}

#[tokio::test]
async fn the_comment_to_update_is_the_oldest_with_the_marker_on_any_page() {
    let marker = "<!-- tally-action:pr-comment quick-ci:sample -->";
    let pages = json!([
        [{"id": 1, "body": "LGTM", "created_at": "2025-01-01T00:00:00Z"},
         {"id": 2, "body": format!("{marker}\nold table"), "created_at": "2025-01-02T00:00:00Z"}],
        [{"id": 3, "body": format!("{marker}\nnewer duplicate"), "created_at": "2025-01-03T00:00:00Z"},
         {"id": 4, "body": "<!-- tally-action:pr-comment baseline:sample -->\nanother configuration",
          "created_at": "2025-01-00T00:00:00Z"},
         {"id": 5, "body": null, "created_at": "2025-01-04T00:00:00Z"}]
    ]);
    let find = |pages: &Value| {
        let stdin: String = pages
            .as_array()
            .expect("pages")
            .iter()
            .map(|page| page.to_string() + "\n")
            .collect();
        let script = format!(
            "jq -r -s --arg marker \"$1\" -f {} <<<\"$2\"",
            repo_root().join("action/find-comment.jq").display()
        );
        let output = std::process::Command::new("bash")
            .args(["-c", &script, "find", marker, &stdin])
            .output()
            .expect("jq runs");
        assert!(output.status.success(), "{}", describe(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    assert_eq!(find(&pages), "2");
    assert_eq!(find(&json!([[{"id": 1, "body": "LGTM"}]])), "");
    assert_eq!(find(&json!([[]])), "");
}
