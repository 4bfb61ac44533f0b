//! What a person does in the web UI, step by step, in a real browser.

use std::time::Duration;

use serde_json::{Value, json};

use tally_test_support::pipeline::{API_KEY, SAMPLE};

use crate::helpers::{KEY, spawn_app};
use crate::stack::{Stack, sign_in};
use crate::webdriver::Browser;

const LONG: Duration = Duration::from_secs(60);

/// One browser test at a time: each starts a Chromium and (most) a whole pipeline,
/// more than two cores run side by side without starving the pipeline's heartbeats.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const SHORT: Duration = Duration::from_secs(15);

/// The configurations the form holds, as the request preview shows them.
async fn previewed(browser: &Browser) -> Value {
    let text = browser.text("#request-preview").await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("preview is not JSON ({e}): {text}"))
}

async fn apply_preset(browser: &Browser, id: &str) -> Value {
    browser.click(&format!("[data-preset=\"{id}\"]")).await;
    previewed(browser).await
}

fn suffixes(request: &Value) -> Vec<(String, f64, String)> {
    request["model_configs"]
        .as_array()
        .expect("model_configs")
        .iter()
        .map(|c| {
            (
                c["model"].as_str().unwrap_or_default().to_string(),
                c["temperature"].as_f64().unwrap_or(-1.0),
                c["name_suffix"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn row(model: &str, temperature: f64, suffix: &str) -> (String, f64, String) {
    (model.to_string(), temperature, suffix.to_string())
}

/// The current run id, from the address (`#/runs/run_…`).
async fn run_in_address(browser: &Browser) -> String {
    let value = browser
        .wait_for(
            "the run page after submitting",
            "const m = location.hash.match(/^#\\/runs\\/(run_[^/]+)$/); return m && m[1]",
            SHORT,
        )
        .await;
    value.as_str().expect("run id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_key_there_is_only_the_prompt() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = spawn_app().await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/", app.base)).await;
    // `/` leads to the UI, which shows the prompt and nothing else.
    let shown = browser
        .wait_for(
            "the key prompt",
            "return !document.getElementById('key-prompt').hidden \
             && document.getElementById('app').hidden \
             && document.getElementById('main').children.length === 0 \
             && location.pathname",
            SHORT,
        )
        .await;
    assert_eq!(shown, "/ui/");
    browser.type_into("#key-input", "not-the-key-0000000").await;
    browser.keys("#key-input", "\u{E007}").await;
    let error = browser
        .wait_for(
            "the refusal",
            "return document.getElementById('key-error').textContent",
            SHORT,
        )
        .await;
    assert_eq!(error, "The API does not accept this key.");
    let hidden = browser
        .js("return document.getElementById('app').hidden", vec![])
        .await;
    assert_eq!(hidden, true, "a wrong key must not reveal the app");

    browser.type_into("#key-input", KEY).await;
    browser.keys("#key-input", "\u{E007}").await;
    browser
        .wait_for(
            "the run page",
            "return document.querySelector('main h1')?.textContent === 'New run'",
            SHORT,
        )
        .await;
    // The key lasts for the tab: a reload asks nothing.
    browser.js("location.reload()", vec![]).await;
    browser
        .wait_for(
            "the run page after a reload",
            "return document.getElementById('key-prompt').hidden \
             && document.querySelector('main h1')?.textContent === 'New run'",
            SHORT,
        )
        .await;
    browser.click("#sign-out").await;
    browser
        .wait_for(
            "the prompt after forgetting the key",
            "return !document.getElementById('key-prompt').hidden \
             && document.getElementById('app').hidden \
             && sessionStorage.getItem('tally.apiKey') === null",
            SHORT,
        )
        .await;
    browser.quit().await;
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn api_validation_errors_are_shown_at_their_fields() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = spawn_app().await;
    app.import_sample().await;
    let browser = Browser::start().await;
    sign_in(&browser, &format!("{}/ui/", app.base), KEY).await;

    // Metadata is checked as it is typed, and blocks submission while it is not JSON.
    let metadata = "[data-field=\"model_configs[0].metadata\"]";
    browser.type_into(metadata, "{\"prompt\": ").await;
    let message = browser
        .wait_for(
            "the metadata error",
            "const el = document.querySelector('[data-field=\"model_configs[0].metadata\"]'); \
             return el.getAttribute('aria-invalid') === 'true' \
               && document.getElementById(el.id + '-error').textContent",
            SHORT,
        )
        .await;
    assert!(
        message
            .as_str()
            .unwrap()
            .starts_with("Metadata is not valid JSON"),
        "{message}"
    );
    assert_eq!(
        browser
            .js(
                "return document.getElementById('submit-run').disabled",
                vec![]
            )
            .await,
        true
    );
    browser.type_into(metadata, "{\"prompt\": \"v2\"}").await;
    // Jobs outside 1–10 is refused before anything is sent.
    browser.type_into("[name=jobs]", "11").await;
    let jobs = browser
        .wait_for(
            "the jobs error",
            "const el = document.querySelector('[name=jobs]'); \
             return document.getElementById('submit-run').disabled \
               && document.getElementById(el.id + '-error').textContent",
            SHORT,
        )
        .await;
    assert_eq!(jobs, "Jobs must be a whole number from 1 to 10.");
    browser.type_into("[name=jobs]", "3").await;
    let request = previewed(&browser).await;
    assert_eq!(
        request["model_configs"][0]["metadata"],
        json!({"prompt": "v2"})
    );
    assert_eq!(request["jobs"], 3);

    // Two mistakes only the API knows about: each lands at its own field.
    browser.click("#add-model").await;
    browser
        .type_into(
            "[data-field=\"model_configs[1].model\"]",
            "gemini 2.5 flash",
        )
        .await;
    browser.type_into("[name=sample_size]", "0").await;
    browser.click("#submit-run").await;
    let placed = browser
        .wait_for(
            "errors at their fields",
            "const at = (path) => { \
               const el = document.querySelector(`[data-field=\"${path}\"]`); \
               return el.getAttribute('aria-invalid') === 'true' \
                 && document.getElementById(el.id + '-error').textContent; }; \
             const model = at('model_configs[1].model'); const sample = at('sample_size'); \
             return model && sample && [model, sample]",
            SHORT,
        )
        .await;
    let model = placed[0].as_str().unwrap();
    let sample = placed[1].as_str().unwrap();
    assert!(
        model.starts_with("model_configs[1].model: ") && model.contains("ASCII letters"),
        "{model}"
    );
    assert!(sample.starts_with("sample_size: "), "{sample}");
    // The first model, which is fine, carries no error; the page did not move on.
    let first = browser
        .js(
            "const el = document.querySelector('[data-field=\"model_configs[0].model\"]'); \
             return [el.hasAttribute('aria-invalid'), location.hash]",
            vec![],
        )
        .await;
    assert_eq!(first, json!([false, ""]));
    browser.quit().await;
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn presets_run_progress_results_drill_down_download_and_compare() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stack = Stack::start(
        "ui-flow",
        json!({"kind": "uniform", "min_ms": 40, "max_ms": 400}),
    )
    .await;
    let browser = Browser::start().await;
    stack.sign_in(&browser, "").await;

    // Every preset fills the form as documented; Reset empties it.
    let baseline = apply_preset(&browser, "baseline").await;
    assert_eq!(
        suffixes(&baseline),
        [
            row("gemini-2.5-flash", 0.0, "baseline"),
            row("gemini-2.5-flash-lite", 0.0, "lite")
        ]
    );
    let temperature = apply_preset(&browser, "temperature").await;
    assert_eq!(
        suffixes(&temperature),
        [
            row("gemini-2.5-flash", 0.0, "t0.0"),
            row("gemini-2.5-flash", 0.1, "t0.1"),
            row("gemini-2.5-flash", 0.2, "t0.2")
        ]
    );
    let reset = apply_preset(&browser, "reset").await;
    assert_eq!(suffixes(&reset), [row("gemini-2.5-flash", 0.0, "")]);
    assert_eq!(reset.get("sample_size"), None);
    let quick = apply_preset(&browser, "quick-ci").await;
    assert_eq!(
        suffixes(&quick),
        [
            row("gemini-2.5-flash-lite", 0.0, "ci-lite"),
            row("gemini-2.5-flash", 0.0, "ci-flash")
        ]
    );
    assert_eq!(quick["sample_size"], 5);
    assert_eq!(quick["dataset_name"], SAMPLE);
    let rows = browser
        .js(
            "return document.querySelectorAll('fieldset.model-row').length",
            vec![],
        )
        .await;
    assert_eq!(rows, 2);
    let curl = browser.text("#request-curl").await;
    assert!(curl.contains("/api/v1/experiments/run-async"), "{curl}");
    assert!(curl.contains("\"name_suffix\": \"ci-lite\""), "{curl}");
    browser.screenshot("run-page").await;

    // Submit: the run page follows progress to 100 %, then shows the results.
    browser.click("#submit-run").await;
    let first_run = run_in_address(&browser).await;
    browser
        .wait_for(
            "progress at 100 %",
            "return document.querySelector('#overall-progress .pct')?.textContent === '100 %'",
            LONG,
        )
        .await;
    // Two experiments of five records, one trial each: ten answers.
    assert_eq!(
        browser.text("#overall-progress .counts").await,
        "10 / 10 answers (record × trial)"
    );
    let results = browser
        .wait_for(
            "the results",
            "const rows = document.querySelectorAll('#results-table tbody tr'); \
             const charts = document.querySelectorAll('#charts figure svg').length; \
             return rows.length === 2 && charts === 3 \
               && [...rows].map(r => r.querySelector('td a').textContent)",
            LONG,
        )
        .await;
    assert_eq!(
        results,
        json!(["vote-extraction-ci-lite", "vote-extraction-ci-flash"])
    );
    let badges = browser
        .js(
            "return document.querySelectorAll('#results-table .badge.emulated').length",
            vec![],
        )
        .await;
    assert_eq!(badges, 2, "every emulated experiment is labelled");
    browser.screenshot("results").await;

    // CSV of the first experiment: a header and one line per record of the sample.
    browser.click("#results-table tbody tr .download-csv").await;
    let csv = browser.downloaded(".csv").await;
    let mut lines = csv.lines();
    assert!(
        lines.next().unwrap_or_default().contains("record_id"),
        "{csv}"
    );
    assert_eq!(lines.filter(|l| l.starts_with("unit-")).count(), 5, "{csv}");

    // Drill-down: experiment → its first record: pages beside expected vs extracted.
    browser.click("#results-table tbody tr td a").await;
    let record = browser.text("#records-table tbody tr td a").await;
    browser.click("#records-table tbody tr td a").await;
    let pages = browser
        .wait_for(
            "the record's page images",
            "const imgs = [...document.querySelectorAll('.pages img')]; \
             return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0) \
               && imgs.map(i => i.src.slice(0, 5))",
            SHORT,
        )
        .await;
    assert_eq!(pages, json!(["blob:", "blob:", "blob:"]));
    let drill = browser
        .js(
            "const t = document.querySelector('table.expected-vs-extracted'); \
             const province = [...t.querySelectorAll('tr')].find(r => r.querySelector('th')?.textContent === 'province'); \
             const cells = [...document.querySelectorAll('table.expected-vs-extracted td:nth-child(3)')]; \
             return { heading: document.querySelector('main h1').textContent, \
                      province: province.querySelectorAll('td')[0].textContent, \
                      marked: cells.every(c => c.classList.contains('diff') || c.classList.contains('same')), \
                      diffs: cells.filter(c => c.classList.contains('diff')).length, \
                      said: document.getElementById('difference-count').textContent }",
            vec![],
        )
        .await;
    assert_eq!(drill["heading"], format!("Record {record}"));
    assert_eq!(drill["province"], "กรุงเทพมหานคร");
    assert_eq!(drill["marked"], true);
    let diffs = drill["diffs"].as_u64().unwrap();
    let said = drill["said"].as_str().unwrap();
    if diffs == 0 {
        assert_eq!(said, "Every value matches the expected output.");
    } else {
        assert!(said.starts_with(&format!("{diffs} value")), "{said}");
    }
    browser.screenshot("record").await;

    // A slower run shows live progress and can be cancelled.
    for model in ["gemini-2.5-flash", "gemini-2.5-flash-lite"] {
        stack
            .harness
            .patch_emulator(json!({"models": {model: {"latency": {"kind": "uniform", "min_ms": 800, "max_ms": 1600}}}}))
            .await;
    }
    browser.goto(&stack.ui("#/")).await;
    apply_preset(&browser, "temperature").await;
    browser.click("#submit-run").await;
    let second_run = run_in_address(&browser).await;
    assert_ne!(first_run, second_run);
    browser
        .wait_for(
            "some progress",
            "const p = document.querySelector('#overall-progress progress'); \
             return p && Number(p.value) > 0",
            LONG,
        )
        .await;
    browser.screenshot("progress").await;
    browser.click("#cancel-run").await;
    browser
        .wait_for(
            "the run cancelled",
            "return document.querySelector('.headline .badge')?.textContent === 'cancelled'",
            LONG,
        )
        .await;

    // Compare the first run's experiments: metrics side by side, the pair's verdict.
    browser
        .goto(&stack.ui(&format!("#/runs/{first_run}/compare")))
        .await;
    let compared = browser
        .wait_for(
            "the comparison",
            "const heads = [...document.querySelectorAll('#compare-table thead th > a:first-child')].map(a => a.textContent); \
             const pairs = document.querySelectorAll('#pairs li').length; \
             return heads.length === 2 && pairs === 1 \
               && {heads, verdict: document.querySelector('#pairs li').textContent}",
            LONG,
        )
        .await;
    assert_eq!(
        compared["heads"],
        json!(["vote-extraction-ci-lite", "vote-extraction-ci-flash"])
    );
    assert!(
        compared["verdict"]
            .as_str()
            .unwrap()
            .starts_with("vote-extraction-ci-lite vs vote-extraction-ci-flash: "),
        "{compared}"
    );
    browser.screenshot("compare").await;

    // Across runs: one experiment of each run, picked in the list.
    browser.goto(&stack.ui("#/compare")).await;
    browser.find("input[type=checkbox][value^=exp_]").await;
    let picked = browser
        .js(
            "const groups = [...document.querySelectorAll('.pick-list')]; \
             const boxes = groups.map(g => g.querySelector('input[type=checkbox]')); \
             return boxes.length >= 2 && boxes.slice(0, 2).map(b => b.value)",
            vec![],
        )
        .await;
    let picked: Vec<String> = serde_json::from_value(picked).expect("two runs listed");
    for id in &picked {
        browser
            .click(&format!("input[type=checkbox][value=\"{id}\"]"))
            .await;
    }
    browser.click("#compare-go").await;
    let across = browser
        .wait_for(
            "the comparison across runs",
            "return document.querySelectorAll('#pairs li').length === 1 \
               && location.hash",
            LONG,
        )
        .await;
    assert_eq!(across, format!("#/compare?ids={}", picked.join(",")));

    // History lists both runs; the status filter narrows it.
    browser.goto(&stack.ui("#/history?status=cancelled")).await;
    let listed = browser
        .wait_for(
            "the filtered history",
            "const rows = [...document.querySelectorAll('#runs-table tbody tr')]; \
             return rows.length > 0 && rows.map(r => r.dataset.run)",
            SHORT,
        )
        .await;
    assert_eq!(listed, json!([second_run]));

    browser.quit().await;
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schedules_show_next_fire_times_and_the_accuracy_trend() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stack = Stack::start("ui-schedules", json!({"kind": "fixed", "ms": 20})).await;
    let definition = json!({
        "name": "weekly-ui",
        "cron": "0 8 * * 1",
        "time_zone": "Asia/Bangkok",
        "request": {
            "dataset_name": SAMPLE,
            "sample_size": 3,
            "model_configs": [
                {"model": "gemini-2.5-flash-lite", "temperature": 0.0, "name_suffix": "ci-lite"},
                {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "ci-flash"}
            ]
        }
    });
    let created = reqwest::Client::new()
        .post(format!("{}/api/v1/schedules", stack.base))
        .header("X-API-Key", API_KEY)
        .json(&definition)
        .send()
        .await
        .expect("API answers");
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    // Two runs of the schedule, as the scheduler would create them.
    let mut runs = Vec::new();
    for _ in 0..2 {
        let run = stack.scheduled_run(&definition).await;
        stack.harness.wait_final(&run, LONG).await;
        runs.push(run.to_string());
    }

    let browser = Browser::start().await;
    stack.sign_in(&browser, "#/schedules").await;
    let listed = browser
        .wait_for(
            "the schedules table",
            "const row = document.querySelector('#schedules-table tbody tr'); \
             return row && [row.querySelector('td a').textContent, \
                            row.querySelectorAll('.next-fires li').length]",
            SHORT,
        )
        .await;
    assert_eq!(listed, json!(["weekly-ui", 3]));
    browser.click("#schedules-table tbody tr td a").await;
    let trend = browser
        .wait_for(
            "the accuracy trend",
            "const fig = document.querySelector('figure.chart svg'); \
             return fig && [document.querySelector('main h1').textContent, \
                            fig.querySelectorAll('path').length, \
                            fig.querySelectorAll('circle').length]",
            SHORT,
        )
        .await;
    assert_eq!(
        trend,
        json!(["Schedule weekly-ui", 2, 4]),
        "two experiments × two runs"
    );
    browser.screenshot("schedule").await;
    browser
        .goto(&stack.ui("#/history?schedule=weekly-ui"))
        .await;
    let history = browser
        .wait_for(
            "the schedule's runs",
            "const rows = [...document.querySelectorAll('#runs-table tbody tr')]; \
             return rows.length > 0 && rows.map(r => r.dataset.run)",
            SHORT,
        )
        .await;
    runs.reverse();
    assert_eq!(history, json!(runs), "newest first, only the schedule's");
    browser.quit().await;
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_failed_records_is_retried_from_its_page_and_shown_combined() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stack = Stack::start("ui-retry", json!({"kind": "fixed", "ms": 20})).await;
    // Two calls refused for good (403 is not retried): two of four records fail.
    let faults = vec![json!({"fault": "permission_denied"}); 2];
    let injected = stack
        .harness
        .http
        .post(format!(
            "{}/_emulator/faults",
            stack.harness.emulator.base_url()
        ))
        .json(&json!({"faults": faults}))
        .send()
        .await
        .expect("emulator answers");
    assert!(injected.status().is_success());
    let run = stack
        .harness
        .submit(&format!(
            r#"{{"dataset_name": "{SAMPLE}", "sample_size": 4, "jobs": 1, "raise_errors": false,
                "model_configs": [{{"model": "gemini-2.5-flash", "temperature": 0.0}}]}}"#
        ))
        .await;
    stack.harness.wait_final(&run, LONG).await;

    let browser = Browser::start().await;
    stack.sign_in(&browser, &format!("#/runs/{run}")).await;
    browser
        .wait_for(
            "the retry button",
            "return !!document.querySelector('#retry-run')",
            SHORT,
        )
        .await;
    browser.click("#retry-run").await;
    let child = browser
        .wait_for(
            "the retry's page",
            &format!(
                "const m = location.hash.match(/^#\\/runs\\/(run_[^/]+)$/); \
                 return m && m[1] !== '{run}' && m[1]"
            ),
            SHORT,
        )
        .await;
    let combined = browser
        .wait_for(
            "the combined result on the retry's page",
            "const link = document.querySelector('#retry-of a'); \
             const row = document.querySelector('#combined-table tbody tr'); \
             return link && row && [link.textContent, row.textContent.includes('4 / 4 records'), \
                                    !!document.querySelector('#retry-run')]",
            LONG,
        )
        .await;
    assert_eq!(
        combined,
        json!([run.to_string(), true, false]),
        "retry of {child}"
    );
    // The retry's experiment names the experiment it completes and what it executed.
    let child_id = tally_core::run::RunId::parse(child.as_str().unwrap()).unwrap();
    let child_view = stack.harness.store.run(&child_id).await.unwrap().unwrap();
    let parent_view = stack.harness.store.run(&run).await.unwrap().unwrap();
    let experiment = &child_view.record.experiments[0];
    browser
        .goto(&stack.ui(&format!("#/experiments/{experiment}")))
        .await;
    let scope = browser
        .wait_for(
            "the retry's scope",
            "const s = document.getElementById('retry-scope'); \
             return s && [s.textContent, s.querySelector('a').textContent]",
            SHORT,
        )
        .await;
    assert!(
        scope[0]
            .as_str()
            .unwrap()
            .starts_with("Retries 2 records of "),
        "{scope}"
    );
    assert_eq!(scope[1], parent_view.record.experiments[0].to_string());
    browser.goto(&stack.ui(&format!("#/runs/{run}"))).await;
    let retries = browser
        .wait_for(
            "the first run's retries",
            "const link = document.querySelector('#retries a'); return link && link.textContent",
            SHORT,
        )
        .await;
    assert_eq!(retries, child);
    browser.quit().await;
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_trials_shows_the_spread_the_least_stable_records_and_every_trial() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stack = Stack::start("ui-trials", json!({"kind": "fixed", "ms": 5})).await;
    // Frequent seeded mistakes: trial k sends seed + k, so trials answer differently.
    stack
        .harness
        .patch_emulator(json!({"models": {"gemini-2.5-flash": {"errors": {
            "digit_slip": 0.4, "drop_vote_row": 0.4, "malformed_json": 0.0, "max_tokens": 0.0
        }}}}))
        .await;
    let run = stack
        .harness
        .submit(&format!(
            r#"{{"dataset_name": "{SAMPLE}", "sample_size": 4, "trials": 3, "raise_errors": false,
                "model_configs": [{{"model": "gemini-2.5-flash", "temperature": 0.7, "seed": 5}}]}}"#
        ))
        .await;
    let view = stack.harness.wait_final(&run, LONG).await;
    let response = view.response.expect("a result");
    assert!(
        response.message.contains("(4 records each)"),
        "the sample, not record × trial: {}",
        response.message
    );
    let summary = &response.experiments[0];
    let unstable = summary
        .trials
        .as_ref()
        .expect("a trial summary")
        .least_stable
        .len();
    assert!(unstable > 0, "the seeded trials disagree somewhere");

    let browser = Browser::start().await;
    stack.sign_in(&browser, &format!("#/runs/{run}")).await;
    let shown = browser
        .wait_for(
            "the trials section",
            "const section = document.querySelector('#trials'); \
             const accuracy = document.querySelector('#results-table tbody tr td:nth-child(3)'); \
             return section && accuracy && [section.textContent.includes('3 trials'), \
                    section.querySelectorAll('.least-stable tbody tr').length, \
                    accuracy.textContent.includes('±')]",
            LONG,
        )
        .await;
    assert_eq!(shown, json!([true, unstable, true]));
    // Progress counts answers: four records, three trials each.
    assert_eq!(
        browser.text("#overall-progress .counts").await,
        "12 / 12 answers (record × trial)"
    );
    browser.screenshot("trials").await;
    browser.click("#trials .least-stable tbody tr td a").await;
    let trials = browser
        .wait_for(
            "the record's trials",
            "const nav = document.querySelector('#record-trials'); \
             return nav && nav.querySelectorAll('a, b').length",
            SHORT,
        )
        .await;
    assert_eq!(trials, json!(3));

    browser
        .goto(&stack.ui(&format!("#/experiments/{}", summary.experiment_id)))
        .await;
    let rows = browser
        .wait_for(
            "a row per record and trial",
            "const head = document.querySelector('#records-table thead'); \
             const rows = document.querySelectorAll('#records-table tbody tr'); \
             return head && rows.length && [head.textContent.includes('Trial'), rows.length, \
                    document.querySelector('#trials b').textContent]",
            SHORT,
        )
        .await;
    assert_eq!(rows, json!([true, 12, "3"]));
    browser.quit().await;
    stack.cleanup().await;
}
