//! Labelling, end to end through the pages: a label set made from the sample's page
//! images, pre-filled by the emulator, three records labelled in the workbench (a
//! value that breaks a rule shown at its field and fixed; a failing record accepted
//! only with an override reason after the API's 422; one flagged with a note), a
//! second labeller's disagreement listed, the set published by an admin, and an
//! experiment run on the new dataset version.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tally_core::thai_words;
use tally_test_support::pipeline::{API_KEY, API_KEY_NAME, SAMPLE};

use crate::archives::tar_gz_of;
use crate::flows::ONE_AT_A_TIME;
use crate::helpers::data_dir_with_sample;
use crate::stack::{Stack, sign_in};
use crate::webdriver::Browser;

const SHORT: Duration = Duration::from_secs(15);
const LONG: Duration = Duration::from_secs(90);
const RUNNER_NAME: &str = "second-labeller";
const RUNNER_KEY: &str = "runner-key-0123456789abcdef";
const SET: &str = "bangbamru-pages";
const PUBLISHED: &str = "bangbamru-labelled";
const ALT: &str = "\u{E00A}";
const BAD_BALLOTS: &str = "[data-field=\"reports[0].ballot_statistics.bad_ballots\"]";
const GOOD_BALLOTS: &str = "[data-field=\"reports[0].ballot_statistics.good_ballots\"]";

/// The workbench of the next record, once loaded: its id.
async fn workbench_after(browser: &Browser, previous: Option<&str>) -> String {
    let script = format!(
        "const m = location.hash.match(/\\/records\\/([^?]+)/); \
         const h = document.querySelector('main h1')?.textContent; \
         return m && m[1] !== {previous} && h === 'Record ' + m[1] \
           && document.getElementById('check-verdict') && m[1]",
        previous = serde_json::to_string(&previous).unwrap()
    );
    let id = browser
        .wait_for("the next record's workbench", &script, SHORT)
        .await;
    id.as_str().expect("record id").to_string()
}

/// A control's value, aria-invalid flag, error text and Thai words.
async fn control(browser: &Browser, css: &str) -> Value {
    browser
        .js(
            "const c = document.querySelector(arguments[0]); \
             return {value: c.value, invalid: c.getAttribute('aria-invalid'), \
                     error: document.getElementById(c.id + '-error').textContent, \
                     words: document.getElementById(c.id + '-words').textContent}",
            vec![json!(css)],
        )
        .await
}

/// Scrolls the form so that the control is in view, as a labeller would.
async fn show(browser: &Browser, css: &str) {
    browser
        .js(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'}); \
             window.scrollTo(0, 0)",
            vec![json!(css)],
        )
        .await;
}

async fn verdict(browser: &Browser, wanted: &str) {
    let script = format!(
        "return document.getElementById('check-verdict')?.textContent.startsWith({})",
        serde_json::to_string(wanted).unwrap()
    );
    browser.wait_for(wanted, &script, SHORT).await;
}

async fn call(stack: &Stack, key: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let client = &stack.harness.http;
    let url = format!("{}{path}", stack.base);
    let request = match method {
        "POST" => client.post(url).json(&body.unwrap_or(Value::Null)),
        _ => client.get(url),
    };
    let response = request.header("X-API-Key", key).send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_records_labelled_in_the_workbench_then_published_and_run() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let data = data_dir_with_sample();
    let keys = format!("{API_KEY_NAME}:{API_KEY},{RUNNER_NAME}:{RUNNER_KEY}:runner");
    let stack = Stack::start_with(
        "ui-labelling",
        json!({"kind": "fixed", "ms": 20}),
        data.path(),
        &[("TALLY_API_KEYS", &keys)],
    )
    .await;
    let archives = tempfile::tempdir().unwrap();
    let archive = archives.path().join(format!("{SET}.tar.gz"));
    std::fs::write(
        &archive,
        tar_gz_of(&data.path().join(SAMPLE).join("images")),
    )
    .unwrap();
    let browser = Browser::start().await;
    stack.sign_in(&browser, "#/labelsets").await;

    // A label set from the archive of page images (a folder per record).
    browser
        .keys(
            "#labelset-upload-form input[type=file]",
            archive.to_str().unwrap(),
        )
        .await;
    browser
        .click("#labelset-upload-form button[type=submit]")
        .await;
    let created = browser
        .wait_for(
            "the new label set",
            "return document.querySelector('#labelset-upload-outcome a')?.parentElement.textContent",
            SHORT,
        )
        .await;
    assert_eq!(created, format!("Label set {SET} created with 10 records."));
    browser.click("#labelset-upload-outcome a").await;

    // Pre-filled by the emulator, chosen on the page.
    browser.find("#prefill-model option").await;
    let chosen = browser
        .js(
            "const s = document.getElementById('prefill-model'); \
             const o = [...s.options].find((o) => o.text === 'gemini-2.5-flash, temperature 0'); \
             s.value = o.value; return o.text",
            vec![],
        )
        .await;
    assert_eq!(chosen, "gemini-2.5-flash, temperature 0");
    browser.click("#prefill-start").await;
    let prefill = browser
        .wait_for(
            "the pre-fill run to end",
            "const t = document.getElementById('prefill-state')?.textContent ?? ''; \
             return t.startsWith('Pre-fill') && !/queued|running/.test(t) && t",
            LONG,
        )
        .await;
    assert!(!prefill.as_str().unwrap().contains("failed"), "{prefill}");

    // Record 1: a value that breaks a rule is flagged at its field, then fixed.
    browser.click("#label-next").await;
    let first = workbench_after(&browser, None).await;
    verdict(&browser, "Every rule holds").await;
    let drafted = browser.text("#draft-changed").await;
    assert_eq!(drafted, "Same as the model's draft.");
    let original = control(&browser, BAD_BALLOTS).await;
    let bad: u64 = original["value"].as_str().unwrap().parse().unwrap();
    assert_eq!(original["words"], thai_words::spell(bad));
    // Something that is no number at all: the API names the field.
    browser.type_into(BAD_BALLOTS, "abc").await;
    let unreadable = browser
        .wait_for(
            "the unreadable count refused at its field",
            &format!(
                "const c = document.querySelector({}); \
                 return c.getAttribute('aria-invalid') === 'true' \
                   && document.getElementById(c.id + '-error').textContent",
                serde_json::to_string(BAD_BALLOTS).unwrap()
            ),
            SHORT,
        )
        .await;
    assert!(!unreadable.as_str().unwrap().is_empty());
    browser.type_into(BAD_BALLOTS, &(bad + 1).to_string()).await;
    // The check of the new value has answered once its Thai words are shown.
    let words = format!(
        "const c = document.querySelector({}); \
         return document.getElementById(c.id + '-words').textContent === {}",
        serde_json::to_string(BAD_BALLOTS).unwrap(),
        serde_json::to_string(&thai_words::spell(bad + 1)).unwrap()
    );
    browser
        .wait_for("the new value's check", &words, SHORT)
        .await;
    verdict(&browser, "1 rule fails").await;
    let broken = control(&browser, BAD_BALLOTS).await;
    assert_eq!(broken["invalid"], "true", "{broken}");
    assert!(
        broken["error"].as_str().unwrap().contains("ballots_used"),
        "the rule's message at the field: {broken}"
    );
    assert_eq!(broken["words"], thai_words::spell(bad + 1));
    assert!(
        browser
            .text("#draft-changed")
            .await
            .starts_with("Draft changed: 1 value")
    );
    show(&browser, BAD_BALLOTS).await;
    browser.screenshot_window("workbench").await;
    browser.type_into(BAD_BALLOTS, &bad.to_string()).await;
    verdict(&browser, "Every rule holds").await;
    let fixed = control(&browser, BAD_BALLOTS).await;
    assert_eq!(fixed["invalid"], Value::Null, "{fixed}");
    assert_eq!(fixed["error"], "");
    // Accepted from the keyboard; the next record opens.
    browser.keys(BAD_BALLOTS, &format!("{ALT}a")).await;
    let second = workbench_after(&browser, Some(&first)).await;

    // Record 2: accepting values that fail a rule asks for a reason.
    let good: u64 = control(&browser, GOOD_BALLOTS).await["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    browser
        .type_into(GOOD_BALLOTS, &(good + 5).to_string())
        .await;
    verdict(&browser, "2 rules fail").await;
    browser.click("#decision-accept").await;
    let refused = browser
        .wait_for(
            "the override prompt",
            "return !document.getElementById('override').hidden \
               && document.activeElement.id === 'override-reason' \
               && document.getElementById('decision-outcome').textContent",
            SHORT,
        )
        .await;
    assert!(
        refused
            .as_str()
            .unwrap()
            .starts_with("Not accepted: 2 rules fail"),
        "{refused}"
    );
    show(&browser, GOOD_BALLOTS).await;
    browser.screenshot_window("workbench-override").await;
    browser
        .type_into(
            "#override-reason",
            "The good-ballot count is as written on the form",
        )
        .await;
    browser.click("#override-accept").await;
    let third = workbench_after(&browser, Some(&second)).await;

    // Record 3: its pages zoomed by button and by key, then flagged from the keyboard,
    // with a note.
    browser.click("#zoom-in").await;
    assert_eq!(browser.text("#zoom-level").await, "125 %");
    browser.keys("#page-frame", "+").await;
    assert_eq!(browser.text("#zoom-level").await, "156 %");
    browser.keys("#page-frame", "0").await;
    assert_eq!(browser.text("#zoom-level").await, "100 %");
    browser.type_into("#label-note", "Page 3 is cut off").await;
    browser.keys("#label-note", &format!("{ALT}f")).await;
    workbench_after(&browser, Some(&third)).await;
    let flagged = call(
        &stack,
        API_KEY,
        "GET",
        &format!("/api/v1/labelsets/{SET}/records/{third}"),
        None,
    )
    .await;
    assert_eq!(flagged["labels"][0]["decision"], "flag");
    assert_eq!(flagged["labels"][0]["note"], "Page 3 is cut off");
    let overridden = call(
        &stack,
        API_KEY,
        "GET",
        &format!("/api/v1/labelsets/{SET}/records/{second}"),
        None,
    )
    .await;
    assert_eq!(overridden["labels"][0]["decision"], "accept");
    assert_eq!(
        overridden["labels"][0]["override_reason"],
        "The good-ballot count is as written on the form"
    );
    assert_eq!(overridden["labels"][0]["draft_changed"], true);

    // A second labeller reads a name differently on record 1: a disagreement.
    let lease = call(
        &stack,
        RUNNER_KEY,
        "POST",
        &format!("/api/v1/labelsets/{SET}/next?second=true"),
        None,
    )
    .await;
    let disputed = lease["record_id"].as_str().unwrap().to_string();
    let record = call(
        &stack,
        RUNNER_KEY,
        "GET",
        &format!("/api/v1/labelsets/{SET}/records/{disputed}"),
        None,
    )
    .await;
    let mut reports = record["labels"][0]["reports"].clone();
    reports[0]["vote_results"][0]["candidate_name"] = json!("อ่านไม่ออก");
    let mut label = json!({"decision": "accept", "reports": reports});
    if let Some(reason) = record["labels"][0].get("override_reason") {
        label["override_reason"] = reason.clone();
    }
    call(
        &stack,
        RUNNER_KEY,
        "POST",
        &format!("/api/v1/labelsets/{SET}/records/{disputed}/label"),
        Some(label),
    )
    .await;

    // The set's page: progress per labeller, the disagreement, and publishing.
    browser.goto(&stack.ui(&format!("#/labelsets/{SET}"))).await;
    browser
        .wait_for(
            "both labellers and the disagreement",
            &format!(
                "return document.querySelector('#labellers-table tr[data-labeller=\"{RUNNER_NAME}\"]') \
                   && document.querySelector('#disagreements li[data-record=\"{disputed}\"]')"
            ),
            SHORT,
        )
        .await;
    let mine = browser
        .js(
            "return [...document.querySelectorAll(arguments[0])].map((td) => td.textContent)",
            vec![json!(format!(
                "#labellers-table tr[data-labeller=\"{API_KEY_NAME}\"] td.num"
            ))],
        )
        .await;
    assert_eq!(mine, json!(["2", "0", "1"]), "accepted, skipped, flagged");
    browser.type_into("#publish-dataset", PUBLISHED).await;
    browser.click("#publish-submit").await;
    let published = browser
        .wait_for(
            "the published version",
            "return document.querySelector('#publish-outcome .banner')?.textContent",
            SHORT,
        )
        .await;
    let published = published.as_str().unwrap().to_string();
    assert!(
        published.starts_with(&format!("Published {PUBLISHED} v1: ")),
        "{published}"
    );
    browser
        .wait_for(
            "the version in the set's list",
            &format!("return document.getElementById('published')?.textContent.includes('{PUBLISHED} v1')"),
            SHORT,
        )
        .await;
    browser.screenshot("labelset").await;
    let set = call(
        &stack,
        API_KEY,
        "GET",
        &format!("/api/v1/labelsets/{SET}"),
        None,
    )
    .await;
    let agreed = set["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "accepted")
        .count() as u64;
    let records: u64 = published
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a record count in {published}"));
    assert!(records >= 1, "{published}");
    assert_eq!(
        records, agreed,
        "accepted records without a disagreement: {set}"
    );

    // The disagreement names the field as the check does; its link opens the
    // workbench with the focus in that field.
    let field = "reports[0].vote_results[0].candidate_name";
    let disagreement = format!("#disagreements li[data-record=\"{disputed}\"]");
    let named = browser
        .js(
            "return [...document.querySelectorAll(arguments[0])].map((a) => a.textContent)",
            vec![json!(format!("{disagreement} a.field-link"))],
        )
        .await;
    assert_eq!(named, json!([field]));
    browser.click(&format!("{disagreement} a.field-link")).await;
    let focused = browser
        .wait_for(
            "the disputed field focused in the workbench",
            &format!(
                "return document.querySelector('main h1')?.textContent === 'Record {disputed}' \
                   && document.activeElement?.dataset?.field"
            ),
            SHORT,
        )
        .await;
    assert_eq!(focused, json!(field));

    // An experiment on the new version runs to the end.
    let body = json!({"dataset_name": PUBLISHED,
                      "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0}]});
    let accepted = call(
        &stack,
        API_KEY,
        "POST",
        "/api/v1/experiments/run-async",
        Some(body),
    )
    .await;
    let run = accepted["run_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + LONG;
    let view = loop {
        let view = call(
            &stack,
            API_KEY,
            "GET",
            &format!("/api/v1/experiments/runs/{run}"),
            None,
        )
        .await;
        if !matches!(view["status"].as_str(), Some("queued" | "running")) {
            break view;
        }
        assert!(Instant::now() < deadline, "run {run} not final: {view}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(view["status"], "succeeded", "{view}");
    assert_eq!(view["dataset"]["version"], 1, "{view}");
    assert_eq!(view["progress"]["done"], records, "{view}");

    // A runner labels but does not publish.
    browser.click("#sign-out").await;
    sign_in(
        &browser,
        &stack.ui(&format!("#/labelsets/{SET}")),
        RUNNER_KEY,
    )
    .await;
    browser
        .wait_for(
            "the set's page for a runner",
            "return document.getElementById('label-next') && document.getElementById('prefill-form') \
               && !document.getElementById('publish-form')",
            SHORT,
        )
        .await;
    browser.quit().await;
    stack.cleanup().await;
}
