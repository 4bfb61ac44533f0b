//! The synthetic dataset generator behind `tally dataset synth`: polling units with
//! rendered form pages and exact expected outputs, written as a dataset folder.
//! `generate` is the one entry point; the command line only parses its options.
//!
//! - `dice`: seeded randomness, one stream per unit and purpose.
//! - `names`: Thai names of candidates, fictional parties and staff.
//! - `units`: realistic numbers and the two reports of each unit.
//! - `svg`: a minimal SVG page builder; `form`: the layout of the form's pages.
//! - `fonts`: the fixed Thai font set; `render`: SVG → grayscale PNG with scan effects;
//!   `degrade`: skew, blur, noise, JPEG-like blocking, uneven light and stamps.
//! - `output`: writing the dataset folder all at once.
//!
//! The same options give byte-identical files: no clock, no hash-map order, and
//! the fonts are fixed.

mod degrade;
mod dice;
mod fonts;
mod form;
mod names;
mod output;
mod render;
mod svg;
mod units;

use std::path::PathBuf;

use serde_json::json;
use tally_core::dataset::{DatasetName, DatasetRecord, RecordInput};
use tally_core::extraction::FormType;

use dice::{Dice, Purpose};
use fonts::Fonts;
use form::FormLayout;
use output::PendingFolder;
use render::render_page;
use units::{Contest, Unit};

pub use degrade::Degradation;
pub use fonts::{FONT_PACKAGE, FontError};
pub use output::OutputError;
pub use render::{RenderError, ScanQuality};

/// What to generate, and where.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Dataset name, recorded in every record's metadata.
    pub name: DatasetName,
    /// Number of polling units (one record each, numbered from 1).
    pub units: u32,
    /// Seed of every random choice; the same seed gives the same bytes.
    pub seed: u64,
    /// The dataset folder to write.
    pub out: PathBuf,
    /// How scanned the page images look; `None` writes records without page images
    /// (for large benchmark datasets).
    pub images: Option<ScanQuality>,
    /// What a scanner does to the pages on top of the scan look (`--degrade`).
    pub degradation: Degradation,
    /// Share of units (0–1) whose ballots used differ from the voters present, a
    /// real-world error, flagged in the record's metadata.
    pub anomalies: f64,
    /// Replace the output folder if it exists.
    pub replace: bool,
}

/// The folder that was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub path: PathBuf,
    /// Its size on disk.
    pub bytes: u64,
    pub records: u32,
    pub pages: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Fonts(#[from] FontError),
    #[error("rendering unit {unit}: {source}")]
    Render { unit: u32, source: RenderError },
    #[error("laying out unit {unit}: {source}")]
    Layout {
        unit: u32,
        source: resvg::usvg::Error,
    },
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Writes the dataset folder `options.out` all at once: nothing appears there
/// unless every record and page was generated.
pub fn generate(options: &SynthOptions) -> Result<Generated, SynthError> {
    // Fonts first: a missing font package fails before anything is written.
    let pages = match options.images {
        Some(quality) => Some((Fonts::load()?, quality)),
        None => None,
    };
    let mut folder = PendingFolder::create(&options.out, options.replace)?;
    let contest = Contest::draw(options.seed);
    let width = options.units.to_string().len().max(2);
    let mut pages_written = 0;
    for number in 1..=options.units {
        let unit = Unit::draw(options.seed, number, &contest, options.anomalies);
        let id = format!("unit-{number:0width$}");
        let image_paths = match &pages {
            Some((fonts, quality)) => {
                let paths = write_pages(
                    &mut folder,
                    fonts,
                    (*quality, options.degradation),
                    &contest,
                    &unit,
                    &id,
                    options.seed,
                )?;
                pages_written += paths.len();
                paths
            }
            None => Vec::new(),
        };
        let mut metadata = json!({
            "synthetic": true,
            "dataset": options.name.as_str(),
            "seed": options.seed,
            "scan_quality": options.images,
            "fictional_names": true,
        });
        // Only when degraded: clean datasets keep the records they always had.
        if options.degradation != Degradation::Clean {
            metadata["degradation"] = json!(options.degradation);
        }
        if let (Some(all), Some(extra)) = (metadata.as_object_mut(), unit.metadata().as_object()) {
            all.extend(extra.clone());
        }
        let record = DatasetRecord {
            id: id.clone(),
            input: RecordInput {
                form_set_name: format!("{}-{id}", options.name),
                num_pages: image_paths.len() as u32,
                image_paths,
            },
            expected_output: unit.reports(&contest),
            metadata: metadata.as_object().cloned().unwrap_or_default(),
        };
        folder.add_record(&record)?;
    }
    let written = folder.commit()?;
    Ok(Generated {
        path: written.path,
        bytes: written.bytes,
        records: options.units,
        pages: pages_written,
    })
}

/// Renders the unit's constituency pages, then its party-list pages.
fn write_pages(
    folder: &mut PendingFolder,
    fonts: &Fonts,
    (quality, degradation): (ScanQuality, Degradation),
    contest: &Contest,
    unit: &Unit,
    id: &str,
    seed: u64,
) -> Result<Vec<String>, SynthError> {
    let mut dice = Dice::new(seed, Purpose::Pages, unit.number);
    let mut degrade_dice = Dice::new(seed, Purpose::Degrade, unit.number);
    let mut paths = Vec::new();
    for form_type in FormType::ALL {
        let layout = FormLayout {
            fonts,
            contest,
            unit,
            form_type,
        };
        let pages = layout
            .pages(&mut dice)
            .map_err(|source| SynthError::Layout {
                unit: unit.number,
                source,
            })?;
        for svg in pages {
            let degrade = (degradation, &mut degrade_dice);
            let png = render_page(fonts, &svg, quality, &mut dice, degrade).map_err(|source| {
                SynthError::Render {
                    unit: unit.number,
                    source,
                }
            })?;
            let path = format!("images/{id}/page-{}.png", paths.len() + 1);
            folder.add_file(&path, &png)?;
            paths.push(path);
        }
    }
    Ok(paths)
}
