//! `tally`: the command line of tally.
//!
//! One module per subcommand group (`dataset`, …); each parses its own arguments
//! with clap and returns an error that `main` prints, so every failure ends with
//! a message and exit status 1.

mod dataset;
mod synth;

use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "tally",
    version,
    about = "Model experiments for the Thai vote extractor"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Datasets: generate synthetic ones.
    #[command(visible_alias = "datasets")]
    Dataset(dataset::DatasetArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dataset(args) => dataset::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tally: {error}");
            ExitCode::FAILURE
        }
    }
}
