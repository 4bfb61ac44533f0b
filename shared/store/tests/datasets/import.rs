//! Importing folders into a real Redis: versions are immutable, numbered, shared by
//! identical content, and never half-written.

use std::collections::BTreeSet;

use tally_core::dataset::{DataDir, DatasetName};
use tally_store::{ImportError, import};

use super::support::{TestStore, good_folder, record, write_folder};

#[tokio::test]
async fn importing_twice_returns_the_same_version_and_a_change_makes_version_2() {
    let test = TestStore::new("import-versions").await;
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = DataDir::open(tmp.path()).unwrap();
    let folder = good_folder(tmp.path(), "bangbamru", 300);

    let first = import(&test.store, &data_dir, "bangbamru").await.unwrap();
    assert!(first.created);
    assert_eq!(
        (first.name.as_str(), first.version, first.size),
        ("bangbamru", 1, 2)
    );
    let again = import(&test.store, &data_dir, "bangbamru").await.unwrap();
    assert!(!again.created);
    assert_eq!(
        again,
        tally_store::ImportOutcome {
            created: false,
            ..first.clone()
        }
    );

    // Change one number: a new version; both stay retrievable as they were.
    good_folder(tmp.path(), "bangbamru", 301);
    let second = import(&test.store, &data_dir, "bangbamru").await.unwrap();
    assert!(second.created);
    assert_eq!(second.version, 2);
    assert_ne!(second.content_hash, first.content_hash);

    let name = DatasetName::parse("bangbamru").unwrap();
    let good_of = |records: Vec<tally_core::dataset::DatasetRecord>| {
        records[0].expected_output[0]
            .ballot_statistics
            .good_ballots
            .unwrap()
            .get()
    };
    let v1 = test
        .store
        .dataset_records(&name, 1, None)
        .await
        .unwrap()
        .unwrap();
    let v2 = test
        .store
        .dataset_records(&name, 2, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((good_of(v1.clone()), good_of(v2)), (300, 301));
    assert_eq!(v1[0].input.image_paths, ["bangbamru/images/1.png"]);
    assert!(
        data_dir
            .image_file(&v1[0].input.image_paths[0])
            .unwrap()
            .starts_with(&folder)
    );

    let versions = test.store.dataset_versions(&name).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(versions[0].content_hash, first.content_hash);
    assert_eq!(versions[1].source, "bangbamru");
    assert_eq!(
        test.store
            .latest_dataset_version(&name)
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
    assert_eq!(
        test.store.dataset_names().await.unwrap(),
        std::slice::from_ref(&name)
    );
    assert_eq!(test.store.dataset_version(&name, 3).await.unwrap(), None);
    assert_eq!(
        test.store.dataset_records(&name, 3, None).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn the_first_n_records_are_read_in_file_order() {
    let test = TestStore::new("import-sample").await;
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (1..=7)
        .map(|i| record(&format!("unit-{i}"), "p.png", 300).to_string())
        .collect();
    write_folder(tmp.path(), "seven", &lines, &["p.png"]);
    let data_dir = DataDir::open(tmp.path()).unwrap();
    import(&test.store, &data_dir, "seven").await.unwrap();

    let name = DatasetName::parse("seven").unwrap();
    let ids = |n| {
        let store = test.store.clone();
        let name = name.clone();
        async move {
            let records = store.dataset_records(&name, 1, n).await.unwrap().unwrap();
            records.into_iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(Some(3)).await, ["unit-1", "unit-2", "unit-3"]);
    assert_eq!(ids(Some(0)).await, Vec::<String>::new());
    assert_eq!(ids(Some(100)).await.len(), 7);
    assert_eq!(ids(None).await.len(), 7);
}

#[tokio::test]
async fn a_bad_folder_stores_nothing() {
    let test = TestStore::new("import-bad").await;
    let tmp = tempfile::tempdir().unwrap();
    let lines = [
        record("unit-1", "p.png", 300).to_string(),
        record("unit-2", "../p.png", 300).to_string(),
    ];
    write_folder(tmp.path(), "bad", &lines, &["p.png"]);
    let data_dir = DataDir::open(tmp.path()).unwrap();

    let Err(ImportError::Invalid(problems)) = import(&test.store, &data_dir, "bad").await else {
        panic!("expected the folder to be rejected");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, Some(2));
    assert_eq!(test.keys().await, Vec::<String>::new());
}

#[tokio::test]
async fn import_paths_must_stay_under_the_data_dir() {
    let test = TestStore::new("import-paths").await;
    let tmp = tempfile::tempdir().unwrap();
    good_folder(tmp.path(), "outside", 300);
    std::fs::create_dir(tmp.path().join("data")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside"), tmp.path().join("data/link")).unwrap();
    let data_dir = DataDir::open(&tmp.path().join("data")).unwrap();

    for path in ["../outside", "link", "/etc", "", "missing"] {
        let result = import(&test.store, &data_dir, path).await;
        assert!(
            matches!(result, Err(ImportError::Path(_))),
            "{path:?}: {result:?}"
        );
    }
    assert_eq!(test.keys().await, Vec::<String>::new());
}

#[tokio::test]
async fn concurrent_imports_of_new_content_get_distinct_versions() {
    let test = TestStore::new("import-concurrent").await;
    let tmp = tempfile::tempdir().unwrap();
    // Same dataset name (the last folder component), different content each.
    for i in 0..6 {
        good_folder(tmp.path(), &format!("drop-{i}/shared-set"), 300 + i);
    }
    let data_dir = DataDir::open(tmp.path()).unwrap();
    let imports = (0..6).map(|i| {
        let (store, data_dir) = (test.store.clone(), data_dir.clone());
        tokio::spawn(
            async move { import(&store, &data_dir, &format!("drop-{i}/shared-set")).await },
        )
    });
    let mut versions = BTreeSet::new();
    for handle in imports {
        let outcome = handle.await.unwrap().unwrap();
        assert!(outcome.created);
        versions.insert(outcome.version);
    }
    assert_eq!(versions, (1..=6).collect());
}

#[tokio::test]
async fn concurrent_imports_of_identical_content_share_one_version() {
    let test = TestStore::new("import-identical").await;
    let tmp = tempfile::tempdir().unwrap();
    good_folder(tmp.path(), "same", 300);
    let data_dir = DataDir::open(tmp.path()).unwrap();
    let imports = (0..6).map(|_| {
        let (store, data_dir) = (test.store.clone(), data_dir.clone());
        tokio::spawn(async move { import(&store, &data_dir, "same").await })
    });
    let mut created = 0;
    for handle in imports {
        let outcome = handle.await.unwrap().unwrap();
        assert_eq!(outcome.version, 1);
        created += usize::from(outcome.created);
    }
    assert_eq!(created, 1);
    // No staging list is left behind by the imports that lost the race.
    assert!(
        test.keys()
            .await
            .iter()
            .all(|k| !k.contains("dataset_staging:")),
        "{:?}",
        test.keys().await
    );
}
