//! A label set's answers built from the store: the summary and detail (records'
//! states, labellers' progress, disagreements) and one record's view.
//!
//! A record's state follows its labels: each labeller's latest label counts; two
//! labellers whose latest labels accept different reports disagree; otherwise the
//! most recent label decides (accepted, skipped, flagged); without labels a live
//! lease makes it `leased`, else it is `open`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tally_core::contract::views::{
    Decision, Disagreement, LabelSetRecordBrief, LabelSetSummary, LabelSetView, LabelView,
    LabellerProgress, PrefillView, RecordState,
};
use tally_core::evaluators::diff_by_position;
use tally_core::run::RunId;
use tally_store::{LabelSet, Lease, Store};

use crate::error::ApiError;

/// Each labeller's latest label of a record, in the order they labelled.
pub fn latest_by_labeller(labels: &[LabelView]) -> Vec<&LabelView> {
    let mut latest: Vec<&LabelView> = Vec::new();
    for label in labels {
        latest.retain(|l| l.labeller != label.labeller);
        latest.push(label);
    }
    latest
}

/// The field paths where the accepted reports of a record's labellers differ, and
/// who accepted; `None` when they agree (or fewer than two accepted). Paths name
/// places in the first accepter's reports, as the live check names fields, so the
/// workbench can go to them.
pub fn disagreement(labels: &[LabelView]) -> Option<(Vec<String>, Vec<String>)> {
    let accepted: Vec<&LabelView> = latest_by_labeller(labels)
        .into_iter()
        .filter(|l| l.decision == Decision::Accept)
        .collect();
    let (first, others) = accepted.split_first()?;
    let mut fields: Vec<String> = others
        .iter()
        .flat_map(|other| diff_by_position(&first.reports, &other.reports))
        .map(|difference| difference.path().to_string())
        .collect();
    if fields.is_empty() {
        return None;
    }
    // In form order, each path once (several labellers may differ at one field).
    let mut seen = std::collections::HashSet::new();
    fields.retain(|field| seen.insert(field.clone()));
    Some((
        fields,
        accepted.iter().map(|l| l.labeller.clone()).collect(),
    ))
}

pub fn record_state(labels: &[LabelView], lease: Option<&Lease>) -> RecordState {
    if disagreement(labels).is_some() {
        return RecordState::Disagreement;
    }
    match labels.last().map(|l| l.decision) {
        Some(Decision::Accept) => RecordState::Accepted,
        Some(Decision::Skip) => RecordState::Skipped,
        Some(Decision::Flag) => RecordState::Flagged,
        None if lease.is_some() => RecordState::Leased,
        None => RecordState::Open,
    }
}

pub fn millis_to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The pre-fill run and its state, if the set has one.
pub async fn prefill_view(store: &Store, set: &LabelSet) -> Result<Option<PrefillView>, ApiError> {
    let Some(prefill) = &set.prefill else {
        return Ok(None);
    };
    let state = match RunId::parse(&prefill.run_id) {
        Ok(run) => match store.run(&run).await? {
            Some(view) => serde_json::to_value(view.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            None => "expired".to_string(),
        },
        Err(_) => "expired".to_string(),
    };
    Ok(Some(PrefillView {
        run_id: prefill.run_id.clone(),
        state,
    }))
}

/// The detail of a label set.
pub async fn labelset_view(
    store: &Store,
    set: &LabelSet,
    now: DateTime<Utc>,
) -> Result<LabelSetView, ApiError> {
    let leases = store.labelset_leases(&set.name, now).await?;
    let labels = store.labelset_all_labels(&set.name, &set.records).await?;
    let mut records = Vec::with_capacity(set.records.len());
    let mut disagreements = Vec::new();
    let mut labellers: BTreeMap<String, LabellerProgress> = BTreeMap::new();
    let (mut accepted, mut skipped, mut flagged) = (0, 0, 0);
    for (record, labels) in set.records.iter().zip(&labels) {
        let lease = leases.get(&record.id);
        let state = record_state(labels, lease);
        match state {
            RecordState::Accepted => accepted += 1,
            RecordState::Skipped => skipped += 1,
            RecordState::Flagged => flagged += 1,
            _ => {}
        }
        if let Some((fields, who)) = disagreement(labels) {
            disagreements.push(Disagreement {
                record_id: record.id.clone(),
                labellers: who,
                fields,
            });
        }
        for label in latest_by_labeller(labels) {
            let progress =
                labellers
                    .entry(label.labeller.clone())
                    .or_insert_with(|| LabellerProgress {
                        labeller: label.labeller.clone(),
                        accepted: 0,
                        skipped: 0,
                        flagged: 0,
                    });
            match label.decision {
                Decision::Accept => progress.accepted += 1,
                Decision::Skip => progress.skipped += 1,
                Decision::Flag => progress.flagged += 1,
            }
        }
        records.push(LabelSetRecordBrief {
            id: record.id.clone(),
            pages: u32::try_from(record.pages.len()).unwrap_or(u32::MAX),
            state,
            labels: labels.len() as u64,
            leased_by: lease.map(|l| l.labeller.clone()),
            lease_expires_at: lease.map(|l| millis_to_time(l.expires_ms)),
        });
    }
    Ok(LabelSetView {
        name: set.name.clone(),
        records,
        accepted,
        skipped,
        flagged,
        in_progress: leases.len() as u64,
        created_at: set.created_at,
        created_by: set.created_by.clone(),
        prefill: prefill_view(store, set).await?,
        labellers: labellers.into_values().collect(),
        disagreements,
        published: set.published.clone(),
    })
}

/// The list entry of a label set: its detail's counters.
pub fn summary(view: LabelSetView) -> LabelSetSummary {
    LabelSetSummary {
        name: view.name,
        records: view.records.len() as u64,
        accepted: view.accepted,
        skipped: view.skipped,
        flagged: view.flagged,
        in_progress: view.in_progress,
        created_at: view.created_at,
        created_by: view.created_by,
        prefill: view.prefill,
    }
}
