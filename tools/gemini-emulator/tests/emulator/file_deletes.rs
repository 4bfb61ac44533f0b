//! tally's `BatchClient` deleting a batch's files: by name when it knows them,
//! without listing the Files API; an input file it does not know (a batch found
//! again by its display name) is looked up under the part's name.

use serde_json::json;
use tally_core::run::BatchInput;
use tally_gemini::batch::{BatchClient, RequestLine};

use crate::support::*;

/// Files API list pages served and files deleted so far.
async fn counts(emulator: &gemini_emulator::RunningEmulator) -> (u64, u64) {
    let stats = Inspect::new(emulator).get("/_emulator/stats").await;
    let count = |field: &str| stats["files"][field].as_u64().unwrap();
    (count("list_pages"), count("deleted"))
}

/// Whether the Files API still shows `name` (a missing file is a 403, as at Google).
async fn exists(emulator: &gemini_emulator::RunningEmulator, name: &str) -> bool {
    let shown = Inspect::new(emulator)
        .get(&format!("/v1beta/{name}?key={API_KEY}"))
        .await;
    shown["name"] == name
}

#[tokio::test]
async fn a_known_input_file_is_deleted_by_name_and_an_unknown_one_looked_up() {
    let emulator = start(test_config()).await;
    let mut gemini = tally_gemini::GeminiConfig::developer(tally_gemini::Secret::new(API_KEY));
    gemini.base_url = Some(emulator.base_url());
    let client = BatchClient::new(&gemini)
        .unwrap()
        .expect("the Developer API has batches");
    let request = json!({"contents": [{"role": "user", "parts": [{"text": "one"}]}]});
    let lines = [RequestLine::new("a".to_string(), &request).unwrap()];
    let known = client.input_file("tally/e/p0", &lines).await.unwrap();
    let unknown = client.input_file("tally/e/p1", &lines).await.unwrap();
    assert_eq!(
        counts(&emulator).await,
        (2, 0),
        "each upload first looks for a file left behind"
    );

    let input = BatchInput::File(known.clone());
    client.discard_files("tally/e/p0", Some(&input), None).await;
    client
        .discard_files("tally/e/p2", Some(&BatchInput::Inline), None)
        .await;
    assert_eq!(
        counts(&emulator).await,
        (2, 1),
        "deleted by name, nothing listed"
    );
    assert!(!exists(&emulator, &known).await);
    assert!(
        exists(&emulator, &unknown).await,
        "another part's file stays"
    );

    client.discard_files("tally/e/p1", None, None).await;
    assert_eq!(
        counts(&emulator).await,
        (3, 2),
        "looked up by the part's name"
    );
    assert!(!exists(&emulator, &unknown).await);
}
