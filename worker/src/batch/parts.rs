//! The parts of a batch-mode experiment: its records split so that each part stays
//! under the part limit (a part over the inline limit goes as a file), each request
//! keyed by its record id. Parts are built one at a time, so that only one part's
//! request lines (pages included) are in memory; where a part ends depends only on
//! the sample, so a resumed experiment finds the same parts.

use tally_core::dataset::DatasetRecord;
use tally_core::run::ExperimentRecord;
use tally_gemini::batch::{BatchClient, PART_LIMIT, PartSizer, RequestLine};
use tally_gemini::{CacheUse, GenerationSettings, Page};

use crate::context::Context;
use crate::record::settings_of;

/// One part: its name (`p0`, …), its request lines, and the records of its stretch
/// of the sample whose request could not be built, with the reason.
pub struct Part {
    pub name: String,
    pub lines: Vec<RequestLine>,
    pub unsendable: Vec<(String, String)>,
}

pub fn display_name(experiment: &ExperimentRecord, part: &str) -> String {
    format!("tally/{}/{part}", experiment.experiment_id)
}

/// Builds the parts of `records` in order, each when asked for.
pub struct Parts<'a> {
    context: &'a Context,
    settings: GenerationSettings,
    records: std::slice::Iter<'a, DatasetRecord>,
    sizer: PartSizer,
    /// The line that did not fit the part before: the first of the next one.
    carried: Option<RequestLine>,
    index: usize,
}

impl<'a> Parts<'a> {
    pub fn new(
        context: &'a Context,
        experiment: &ExperimentRecord,
        records: &'a [DatasetRecord],
    ) -> Parts<'a> {
        Parts {
            context,
            settings: settings(experiment),
            records: records.iter(),
            sizer: PartSizer::new(PART_LIMIT),
            carried: None,
            index: 0,
        }
    }

    /// The next part, or `None` once every record has been placed.
    pub async fn next(&mut self) -> Option<Part> {
        let mut lines: Vec<RequestLine> = self.carried.take().into_iter().collect();
        let mut unsendable = Vec::new();
        for record in self.records.by_ref() {
            match line(self.context, &self.settings, record).await {
                Ok(line) => {
                    if self.sizer.starts_part(line.bytes()) && !lines.is_empty() {
                        self.carried = Some(line);
                        break;
                    }
                    lines.push(line);
                }
                Err(reason) => unsendable.push((record.id.clone(), reason)),
            }
        }
        if lines.is_empty() && unsendable.is_empty() {
            return None;
        }
        let name = format!("p{}", self.index);
        self.index += 1;
        Some(Part {
            name,
            lines,
            unsendable,
        })
    }
}

/// The request lines of `records` again (a part submitted once more), with the
/// records whose request could not be built.
pub async fn lines_of(
    context: &Context,
    experiment: &ExperimentRecord,
    records: &[&DatasetRecord],
) -> (Vec<RequestLine>, Vec<(String, String)>) {
    let settings = settings(experiment);
    let mut lines = Vec::new();
    let mut unsendable = Vec::new();
    for record in records {
        match line(context, &settings, record).await {
            Ok(line) => lines.push(line),
            Err(reason) => unsendable.push((record.id.clone(), reason)),
        }
    }
    (lines, unsendable)
}

/// The experiment's settings; batches never go through the response cache: each
/// request is answered anew.
fn settings(experiment: &ExperimentRecord) -> GenerationSettings {
    GenerationSettings {
        cache: CacheUse::default(),
        ..settings_of(&experiment.config)
    }
}

/// One record's request line, as an online call would send it.
async fn line(
    context: &Context,
    settings: &GenerationSettings,
    record: &DatasetRecord,
) -> Result<RequestLine, String> {
    let pages = Page::of_record(context.data_dir.root(), record);
    BatchClient::line(record.id.clone(), &pages, settings).await
}
