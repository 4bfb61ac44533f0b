//! `tally dataset …`: working with datasets.

use crate::synth::{self, SynthArgs};

#[derive(Debug, clap::Args)]
pub struct DatasetArgs {
    #[command(subcommand)]
    command: DatasetCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DatasetCommand {
    /// Generate a synthetic dataset: realistic polling units with rendered form pages.
    Synth(SynthArgs),
}

pub fn run(args: DatasetArgs) -> Result<(), Box<dyn std::error::Error>> {
    match args.command {
        DatasetCommand::Synth(args) => synth::run(args)?,
    }
    Ok(())
}
