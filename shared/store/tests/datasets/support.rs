//! Fixtures: dataset folders written on disk, and a store in a namespace of its own.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tally_store::ApiStore;
use tally_test_support::namespace::TestNamespace;

/// The smallest file the validator takes for a PNG: the signature and some bytes.
pub fn png_bytes(marker: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(marker.as_bytes());
    bytes
}

/// A valid record whose one page is `image`.
pub fn record(id: &str, image: &str, good_ballots: u64) -> Value {
    json!({
        "id": id,
        "input": {"form_set_name": id, "image_paths": [image], "num_pages": 1},
        "expected_output": [{
            "form_info": {"form_type": "Constituency", "province": "กรุงเทพมหานคร",
                          "district": "บางพลัด", "polling_station_number": 1},
            "voter_statistics": {"eligible_voters": 600, "voters_present": 360},
            "ballot_statistics": {"ballots_allocated": 600, "ballots_used": 360,
                                  "good_ballots": good_ballots, "bad_ballots": 12,
                                  "no_vote_ballots": 348 - good_ballots, "ballots_remaining": 240},
            "vote_results": [{"number": 1, "vote_count": good_ballots}]
        }],
        "metadata": {"synthetic": true}
    })
}

/// A folder `root/relative` holding `records.jsonl` with `lines` and one image per
/// `images` entry (path relative to the folder).
pub fn write_folder(root: &Path, relative: &str, lines: &[String], images: &[&str]) -> PathBuf {
    let folder = root.join(relative);
    std::fs::create_dir_all(&folder).unwrap();
    for image in images {
        let path = folder.join(image);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png_bytes(image)).unwrap();
    }
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(folder.join("records.jsonl"), text).unwrap();
    folder
}

/// A valid two-record folder.
pub fn good_folder(root: &Path, relative: &str, good_ballots: u64) -> PathBuf {
    write_folder(
        root,
        relative,
        &[
            record("unit-1", "images/1.png", good_ballots).to_string(),
            record("unit-2", "images/2.png", 300).to_string(),
        ],
        &["images/1.png", "images/2.png"],
    )
}

/// A store whose keys all live under a fresh `test:<name>:<unique>` namespace (the
/// API's handle: imports and reads), deleted when the `TestStore` is dropped.
pub struct TestStore {
    pub store: ApiStore,
    namespace: TestNamespace,
}

impl TestStore {
    pub async fn new(test_name: &str) -> TestStore {
        let namespace = TestNamespace::new(test_name);
        TestStore {
            store: ApiStore::connect(&namespace.store_settings())
                .await
                .unwrap(),
            namespace,
        }
    }

    /// Every key of this test's namespace.
    pub async fn keys(&self) -> Vec<String> {
        self.namespace.keys().await
    }
}
