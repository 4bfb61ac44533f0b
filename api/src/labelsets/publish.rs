//! Publish: every record whose latest label accepts its reports, with no
//! disagreement, becomes a record of a new dataset version — its pages copied into
//! a dataset folder beside a `records.jsonl`, validated and registered exactly as an
//! uploaded dataset (`load_folder`, then the upload's `publish`, which moves it to
//! `uploads/<name>/<hash>` and calls the import's `register`). Same content, same
//! version.
//!
//! Each record's metadata says who labelled it and when, whether the draft was
//! changed, the override reason if a rule was overridden, and the label set, so an
//! experiment can be scored against human-checked labels only.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use tally_core::contract::DatasetName;
use tally_core::contract::views::{
    Decision, LabelView, LeftOut, PublishOutcome, PublishedVersion, RecordState,
};
use tally_core::dataset::{DataDir, DatasetRecord, RECORDS_FILE, RecordInput};
use tally_store::{ApiStore, LabelSet, load_folder};

use super::view::{latest_by_labeller, record_state};
use crate::error::ApiError;
use crate::upload::{publish::publish as register_folder, staging_folder, unwritable};

pub async fn publish(
    store: &ApiStore,
    data_dir: &DataDir,
    mut set: LabelSet,
    dataset: &DatasetName,
    by: &str,
    now: DateTime<Utc>,
) -> Result<PublishOutcome, ApiError> {
    let labels = store.labelset_all_labels(&set.name, &set.records).await?;
    let mut records = Vec::new();
    let mut left_out = Vec::new();
    let mut pages = Vec::new();
    for (record, labels) in set.records.iter().zip(&labels) {
        let state = record_state(labels, None);
        if state != RecordState::Accepted {
            left_out.push(LeftOut {
                record_id: record.id.clone(),
                reason: match state {
                    RecordState::Disagreement => "labellers disagree".to_string(),
                    RecordState::Open | RecordState::Leased => "not labelled".to_string(),
                    RecordState::Skipped => "skipped".to_string(),
                    _ => "flagged".to_string(),
                },
            });
            continue;
        }
        let accepted: Vec<&LabelView> = latest_by_labeller(labels)
            .into_iter()
            .filter(|l| l.decision == Decision::Accept)
            .collect();
        let Some(last) = accepted.last() else {
            continue;
        };
        let mut image_paths = Vec::new();
        for (n, page) in record.pages.iter().enumerate() {
            let extension = page.rsplit_once('.').map_or("png", |(_, e)| e);
            let copied = format!("{}/{}.{}", record.id, n + 1, extension.to_lowercase());
            pages.push((page.clone(), copied.clone()));
            image_paths.push(copied);
        }
        let mut metadata = Map::new();
        metadata.insert(
            "labelled_by".into(),
            json!(accepted.iter().map(|l| &l.labeller).collect::<Vec<_>>()),
        );
        metadata.insert("labelled_at".into(), json!(last.at));
        metadata.insert(
            "draft_changed".into(),
            json!(accepted.iter().any(|l| l.draft_changed)),
        );
        if let Some(reason) = accepted.iter().find_map(|l| l.override_reason.as_ref()) {
            metadata.insert("override_reason".into(), Value::String(reason.clone()));
        }
        metadata.insert("labelset".into(), json!(set.name));
        records.push(DatasetRecord {
            id: record.id.clone(),
            input: RecordInput {
                form_set_name: record.id.clone(),
                num_pages: u32::try_from(image_paths.len()).unwrap_or(u32::MAX),
                image_paths,
            },
            expected_output: last.reports.clone(),
            metadata,
        });
    }
    if records.is_empty() {
        return Err(ApiError::invalid(
            "labelset",
            format!(
                "label set {} has no accepted record without a disagreement; nothing to publish",
                set.name
            ),
        ));
    }
    let staging = staging_folder(data_dir)?;
    let folder = staging.path().join("dataset");
    let (root, written) = (data_dir.root().to_path_buf(), folder.clone());
    let lines = records
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::Internal(format!("a record did not serialize: {e}")))?;
    tokio::task::spawn_blocking(move || write_folder(&root, &written, &pages, &lines))
        .await
        .map_err(|e| ApiError::Internal(format!("writing the dataset failed: {e}")))??;
    let loaded = load_folder(folder).await?;
    let outcome = register_folder(store, data_dir, dataset, loaded).await?;
    let published = PublishedVersion {
        dataset: dataset.as_str().to_string(),
        version: outcome.version,
        at: now,
        by: by.to_string(),
    };
    if !set
        .published
        .iter()
        .any(|p| p.dataset == published.dataset && p.version == published.version)
    {
        set.published.push(published);
        store.save_labelset(&set).await?;
    }
    Ok(PublishOutcome {
        dataset: dataset.as_str().to_string(),
        version: outcome.version,
        records: outcome.size,
        left_out,
    })
}

/// The dataset folder: `records.jsonl` and each page copied from the set's pages.
fn write_folder(
    root: &Path,
    folder: &Path,
    pages: &[(String, String)],
    lines: &[String],
) -> Result<(), ApiError> {
    std::fs::create_dir_all(folder).map_err(|e| unwritable(&e))?;
    for (from, to) in pages {
        let target = folder.join(to);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| unwritable(&e))?;
        }
        std::fs::copy(root.join(from), &target).map_err(|e| unwritable(&e))?;
    }
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(folder.join(RECORDS_FILE), text).map_err(|e| unwritable(&e))
}
