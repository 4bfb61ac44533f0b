//! `tally dataset synth`: the command-line options of the synthetic dataset
//! generator (`tally-synth`), where its folder goes by default, and the line it
//! prints when done.

use std::path::PathBuf;

use tally_core::dataset::{DATA_DIR_ENV, DatasetName};
use tally_synth::{Degradation, ScanQuality, SynthError, SynthOptions};

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
    /// What a scanner does to the pages on top of the scan look: skew, blur, noise,
    /// JPEG-like blocking, and (heavy) uneven light and a stamp. Seeded like the rest.
    #[arg(long, value_enum, default_value_t = Degradation::Clean)]
    degrade: Degradation,
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

pub fn run(args: SynthArgs) -> Result<(), SynthError> {
    let out = args.out.unwrap_or_else(|| {
        let data_dir =
            std::env::var_os(DATA_DIR_ENV).map_or_else(|| PathBuf::from("datasets"), PathBuf::from);
        data_dir.join(args.name.as_str())
    });
    let generated = tally_synth::generate(&SynthOptions {
        name: args.name,
        units: args.units,
        seed: args.seed,
        out,
        images: (!args.no_images).then_some(args.scan_quality),
        degradation: args.degrade,
        anomalies: args.anomalies,
        replace: args.force,
    })?;
    println!(
        "wrote {} record(s) and {} page image(s) to {} ({} bytes)",
        generated.records,
        generated.pages,
        generated.path.display(),
        generated.bytes
    );
    Ok(())
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
