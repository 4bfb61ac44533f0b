//! `tally dataset synth`: generates a synthetic dataset of polling units with
//! rendered form pages and exact expected outputs.
//!
//! - `dice`: seeded randomness, one stream per unit and purpose.
//! - `names`: Thai names of candidates, fictional parties and staff.
//! - `units`: realistic numbers and the two reports of each unit.
//! - `svg`: a minimal SVG page builder; `form`: the layout of the form's pages.
//! - `fonts`: the fixed Thai font set; `render`: SVG → grayscale PNG with scan effects.
//! - `output`: writing the dataset folder all at once.
//!
//! The same arguments give byte-identical files: no clock, no hash-map order, and
//! the fonts are fixed.

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
use tally_core::dataset::{DATA_DIR_ENV, DatasetName, DatasetRecord, RecordInput};
use tally_core::extraction::FormType;

use dice::{Dice, Purpose};
use fonts::{FontError, Fonts};
use form::FormLayout;
use output::{OutputError, PendingFolder};
use render::{RenderError, ScanQuality, render_page};
use units::{Contest, Unit};

#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Dataset name, recorded in every record's metadata (and the default folder name).
    #[arg(long, value_parser = parse_name)]
    name: DatasetName,
    /// Number of polling units (one record each, numbered from 1).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    units: u32,
    /// Seed of every random choice; the same seed gives the same bytes.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Output folder [default: $TALLY_DATA_DIR/<name>, or ./datasets/<name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// How scanned the page images look.
    #[arg(long, value_enum, default_value_t = ScanQuality::Good)]
    scan_quality: ScanQuality,
    /// Write records without page images (for large benchmark datasets).
    #[arg(long)]
    no_images: bool,
    /// Share of units (0–1) whose ballots used differ from the voters present, a
    /// real-world error, flagged in the record's metadata.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    anomalies: f64,
    /// Replace the output folder if it exists.
    #[arg(long)]
    force: bool,
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

pub fn run(args: SynthArgs) -> Result<(), SynthError> {
    let out = args.out.clone().unwrap_or_else(|| {
        let data_dir =
            std::env::var_os(DATA_DIR_ENV).map_or_else(|| PathBuf::from("datasets"), PathBuf::from);
        data_dir.join(args.name.as_str())
    });
    // Fonts first: a missing font package fails before anything is written.
    let fonts = if args.no_images {
        None
    } else {
        Some(Fonts::load()?)
    };
    let mut folder = PendingFolder::create(&out, args.force)?;
    let contest = Contest::draw(args.seed);
    let width = args.units.to_string().len().max(2);
    let mut pages_written = 0;
    for number in 1..=args.units {
        let unit = Unit::draw(args.seed, number, &contest, args.anomalies);
        let id = format!("unit-{number:0width$}");
        let image_paths = match &fonts {
            Some(fonts) => {
                let paths = write_pages(&mut folder, fonts, &contest, &unit, &id, &args)?;
                pages_written += paths.len();
                paths
            }
            None => Vec::new(),
        };
        let mut metadata = json!({
            "synthetic": true,
            "dataset": args.name.as_str(),
            "seed": args.seed,
            "scan_quality": if args.no_images { None } else { Some(args.scan_quality) },
            "fictional_names": true,
        });
        if let (Some(all), Some(extra)) = (metadata.as_object_mut(), unit.metadata().as_object()) {
            all.extend(extra.clone());
        }
        let record = DatasetRecord {
            id: id.clone(),
            input: RecordInput {
                form_set_name: format!("{}-{id}", args.name),
                num_pages: image_paths.len() as u32,
                image_paths,
            },
            expected_output: unit.reports(&contest),
            metadata: metadata.as_object().cloned().unwrap_or_default(),
        };
        folder.add_record(&record)?;
    }
    let written = folder.commit()?;
    println!(
        "wrote {} record(s) and {pages_written} page image(s) to {} ({} bytes)",
        args.units,
        written.path.display(),
        written.bytes
    );
    Ok(())
}

/// Renders the unit's constituency pages, then its party-list pages.
fn write_pages(
    folder: &mut PendingFolder,
    fonts: &Fonts,
    contest: &Contest,
    unit: &Unit,
    id: &str,
    args: &SynthArgs,
) -> Result<Vec<String>, SynthError> {
    let mut dice = Dice::new(args.seed, Purpose::Pages, unit.number);
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
            let png = render_page(fonts, &svg, args.scan_quality, &mut dice).map_err(|source| {
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

fn parse_name(text: &str) -> Result<DatasetName, String> {
    DatasetName::parse(text).map_err(|e| e.to_string())
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is not between 0 and 1"))
    }
}
