//! Label sets: scans uploaded as an archive become records people label in the
//! workbench; accepted records are published as a dataset version.
//!
//! - `units`: the unpacked archive → records and their pages;
//! - `view`: the set's detail and list entry (states, progress, disagreements);
//! - `record`: one record's view (pages, draft, labels, lease, check) and its label;
//! - `prefill`: a normal run over the set's records, whose answers are drafts;
//! - `publish`: accepted records → a dataset version, through the import's register.
//!
//! Pages live under `<data dir>/labelsets/<name>/` as unpacked; the set, its
//! leases and labels live in Redis (`tally_store::labelsets`).

pub mod prefill;
pub mod publish;
pub mod record;
pub mod units;
pub mod view;

use std::path::Path;

use axum::body::Body;
use chrono::Utc;
use tally_core::contract::DatasetName;
use tally_store::{ApiStore, LabelSet, LabelSetRecord, Store};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::upload::{IncomingArchive, unwritable};

/// Where label sets' pages are kept, one folder per set.
pub const LABELSETS_DIR: &str = "labelsets";

/// Who labels: the API key's name, `anonymous` without keys.
pub fn labeller(caller: &Caller) -> String {
    caller
        .key_name
        .clone()
        .unwrap_or_else(|| "anonymous".to_string())
}

/// The label set `name`, or 404.
pub async fn find(store: &Store, name: &str) -> Result<LabelSet, ApiError> {
    store.labelset(name).await?.ok_or_else(|| {
        let shown: String = name.chars().take(100).collect();
        ApiError::not_found(format!("no label set named {shown:?}"))
    })
}

/// One upload of scans as a new label set.
pub struct Create<'a> {
    pub store: &'a ApiStore,
    pub archive: IncomingArchive<'a>,
    pub name: &'a DatasetName,
    pub created_by: String,
}

impl Create<'_> {
    /// Receives, unpacks and groups the scans, moves them to
    /// `labelsets/<name>` with one rename and stores the set. A refused archive
    /// leaves nothing behind (the staging folder is removed).
    pub async fn run(self, body: Body) -> Result<LabelSet, ApiError> {
        let name = self.name.as_str();
        if self.store.labelset(name).await?.is_some() {
            return Err(taken(name));
        }
        let (data_dir, sent) = (self.archive.data_dir, self.archive.sent.clone());
        let unpacked = self.archive.receive_and_unpack(body).await?;
        let folder = unpacked.folder.clone();
        let units = tokio::task::spawn_blocking(move || units::units(&folder))
            .await
            .map_err(|e| ApiError::Internal(format!("reading the scans failed: {e}")))?
            .map_err(|problems| ApiError::InvalidDataset(sent, problems))?;
        let parent = data_dir.root().join(LABELSETS_DIR);
        std::fs::create_dir_all(&parent).map_err(|e| unwritable(&e))?;
        let target = parent.join(name);
        if target.exists() {
            return Err(taken(name));
        }
        std::fs::rename(&unpacked.folder, &target).map_err(|e| unwritable(&e))?;
        let set = LabelSet {
            name: name.to_string(),
            created_at: Utc::now(),
            created_by: self.created_by,
            records: units
                .into_iter()
                .map(|(id, pages)| LabelSetRecord {
                    id,
                    pages: pages
                        .into_iter()
                        .map(|page| format!("{LABELSETS_DIR}/{name}/{page}"))
                        .collect(),
                })
                .collect(),
            prefill: None,
            published: Vec::new(),
        };
        if !self.store.create_labelset(&set).await? {
            remove_quietly(&target);
            return Err(taken(name));
        }
        Ok(set)
    }
}

fn taken(name: &str) -> ApiError {
    ApiError::Conflict(format!("name: a label set named {name:?} exists already"))
}

fn remove_quietly(folder: &Path) {
    let _ = std::fs::remove_dir_all(folder);
}
