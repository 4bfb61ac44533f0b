//! The run page while its model waits for the daily quota, and each experiment's
//! share of input tokens served from Gemini's implicit cache once the run is done.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};
use tally_store::jobs::QueueSettings;
use tally_test_support::namespace::redis_connection;
use tally_test_support::pipeline::{API_KEY, Harness, WorkerOptions, request};

use crate::flows::ONE_AT_A_TIME;
use crate::stack::sign_in;
use crate::webdriver::Browser;

const SHORT: Duration = Duration::from_secs(15);
const LONG: Duration = Duration::from_secs(60);
const MODEL: &str = "gemini-2.5-flash-lite";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_run_page_shows_the_daily_quota_wait_and_the_cached_input_share() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let mut harness = Harness::start("ui-daily-wait", 20).await;
    let base = harness.start_api().await;
    // The model's daily quota is used up for an hour, as a worker records it.
    let block = harness.store.keys().daily_block(MODEL);
    let until = Utc::now() + chrono::TimeDelta::hours(1);
    let mut conn = redis_connection().await;
    let _: () = redis::cmd("SET")
        .arg(&block)
        .arg(until.timestamp_millis())
        .arg("PX")
        .arg(3_600_000)
        .query_async(&mut conn)
        .await
        .unwrap();
    let configs = format!(r#"[{{"model": "{MODEL}", "temperature": 0.0}}]"#);
    let run = harness
        .submit(&request(&configs, r#", "raise_errors": false"#))
        .await;

    let browser = Browser::start().await;
    sign_in(&browser, &format!("{base}/ui/#/runs/{run}"), API_KEY).await;
    let shown = browser
        .wait_for(
            "the daily quota wait",
            "const w = document.querySelector('.exp-progress[data-experiment] .waiting'); \
             return w && w.textContent",
            SHORT,
        )
        .await;
    let expected = format!(
        "waiting for the daily quota until {}",
        until.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    assert_eq!(shown, Value::from(expected));

    // The quota is back: the line goes, and a worker runs the records.
    let _: () = redis::cmd("DEL")
        .arg(&block)
        .query_async(&mut conn)
        .await
        .unwrap();
    browser
        .wait_for(
            "the wait to end",
            "return document.querySelector('.exp-progress[data-experiment] .waiting')?.textContent === ''",
            SHORT,
        )
        .await;
    let production_beats = WorkerOptions {
        queues: Some(QueueSettings::default()),
        ..WorkerOptions::default()
    };
    harness.start_worker_with("ui", production_beats).await;
    let shares = browser
        .wait_for(
            "the cached input share of each experiment",
            "const table = document.getElementById('results-table'); \
             if (!table) return null; \
             const column = [...table.querySelectorAll('th')] \
               .findIndex((th) => th.textContent === 'Cached input'); \
             if (column < 0) return null; \
             return [...table.querySelectorAll('tbody tr')] \
               .map((row) => row.children[column].textContent)",
            LONG,
        )
        .await;
    let view = harness.store.run(&run).await.unwrap().unwrap();
    let expected: Vec<String> = view
        .response
        .expect("a final run has its response")
        .experiments
        .iter()
        .map(|e| {
            e.cache_hit_share
                .map_or("—".into(), |s| format!("{:.1} %", s * 100.0))
        })
        .collect();
    assert_eq!(shares, json!(expected));
    browser.quit().await;
    harness.cleanup().await;
}
