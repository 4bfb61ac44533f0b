//! The parts of a batch-mode experiment: its records split so that each part stays
//! under the part limit (a part over the inline limit goes as a file), each request
//! keyed by its record id.

use tally_core::dataset::DatasetRecord;
use tally_core::run::ExperimentRecord;
use tally_gemini::batch::{BatchClient, PART_LIMIT, RequestLine, split_under};
use tally_gemini::{CacheUse, GenerationSettings, Page};

use crate::context::Context;
use crate::record::settings_of;

/// One part: its name (`p0`, …) and request lines; records whose request could not
/// be built are set apart with the reason.
pub struct Part {
    pub name: String,
    pub lines: Vec<RequestLine>,
}

pub fn display_name(experiment: &ExperimentRecord, part: &str) -> String {
    format!("tally/{}/{part}", experiment.experiment_id)
}

/// Builds every record's request line (as an online call would send it) and splits
/// them into parts; returns the parts and the records that cannot be sent.
pub async fn build(
    context: &Context,
    experiment: &ExperimentRecord,
    records: &[DatasetRecord],
) -> (Vec<Part>, Vec<(String, String)>) {
    // Batches never go through the response cache: each request is answered anew.
    let settings = GenerationSettings {
        cache: CacheUse::default(),
        ..settings_of(&experiment.config)
    };
    let mut lines = Vec::new();
    let mut unsendable = Vec::new();
    for record in records {
        let pages = Page::of_record(context.data_dir.root(), record);
        match BatchClient::line(record.id.clone(), &pages, &settings).await {
            Ok(line) => lines.push(line),
            Err(reason) => unsendable.push((record.id.clone(), reason)),
        }
    }
    let parts = split_under(lines, PART_LIMIT)
        .into_iter()
        .enumerate()
        .map(|(index, lines)| Part {
            name: format!("p{index}"),
            lines,
        })
        .collect();
    (parts, unsendable)
}
