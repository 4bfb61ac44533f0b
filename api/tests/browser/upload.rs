//! The Datasets page: an archive chosen in the file control is uploaded (its name
//! taken from the file's), the new version joins the table, and a refused archive
//! lists its problems by entry.

use std::time::Duration;

use crate::archives::{named_zip, tar_gz_of};
use crate::flows::ONE_AT_A_TIME;
use crate::helpers::{KEY, SAMPLE, data_dir_with_sample, spawn_app_with};
use crate::stack::sign_in;
use crate::webdriver::Browser;

const SHORT: Duration = Duration::from_secs(15);
const FILE_INPUT: &str = "#upload-form input[type=file]";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_datasets_page_uploads_an_archive_and_lists_a_refused_ones_problems() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let data = data_dir_with_sample();
    let app = spawn_app_with(|s| s.data_dir = data.path().to_path_buf()).await;
    let archives = tempfile::tempdir().unwrap();
    let good = archives.path().join("uploaded-sample.tar.gz");
    std::fs::write(&good, tar_gz_of(&data.path().join(SAMPLE))).unwrap();
    let bad = archives.path().join("broken.zip");
    std::fs::write(&bad, named_zip("../evil.txt", b"owned")).unwrap();

    let browser = Browser::start().await;
    sign_in(&browser, &format!("{}/ui/#/datasets", app.base), KEY).await;
    browser
        .wait_for(
            "the datasets page",
            "return document.querySelector('main h1')?.textContent === 'Datasets' \
             && !!document.querySelector('#datasets-list p, #datasets-table')",
            SHORT,
        )
        .await;
    browser.keys(FILE_INPUT, good.to_str().unwrap()).await;
    let name = browser
        .js(
            "return document.querySelector('#upload-form input[name=name]').value",
            vec![],
        )
        .await;
    assert_eq!(name, "uploaded-sample", "the name comes from the file's");
    browser.click("#upload-form button[type=submit]").await;
    let outcome = browser
        .wait_for(
            "the new version",
            "const t = document.getElementById('upload-outcome').textContent; \
             return t.includes('v1') && t",
            SHORT,
        )
        .await;
    assert!(
        outcome
            .as_str()
            .unwrap()
            .starts_with("New version uploaded-sample v1 (10 records, sha256:"),
        "{outcome}"
    );
    browser
        .wait_for(
            "the version in the table",
            "return !!document.querySelector('#datasets-table tr[data-name=\"uploaded-sample\"]')",
            SHORT,
        )
        .await;
    browser.screenshot("datasets").await;

    browser.keys(FILE_INPUT, bad.to_str().unwrap()).await;
    browser
        .type_into("#upload-form input[name=name]", "broken")
        .await;
    browser.click("#upload-form button[type=submit]").await;
    let problems = browser
        .wait_for(
            "the problems",
            "return document.getElementById('upload-problems')?.textContent",
            SHORT,
        )
        .await;
    assert!(
        problems
            .as_str()
            .unwrap()
            .contains("../evil.txt: uses '..'"),
        "{problems}"
    );
    browser.quit().await;
}
