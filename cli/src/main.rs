//! `tally`: the command line of tally.
//!
//! One module per subcommand group (`dataset`, `labelset`, `run`, `runs`,
//! `presets_cmd`); each parses its own arguments with clap and returns an error that
//! `main` prints, so every failure ends with a message and exit status 1. `tally run
//! --wait` also ends with 2 when the run did not succeed and 3 when a `--fail-under`
//! threshold was missed; `tally labelset prefill --wait` ends with 2 likewise. `api` is the HTTP
//! client; `upload` sends a file with a progress bar; `follow` follows a run to
//! its end (status events, polling as the fallback); `report` prints progress and
//! results.

mod api;
mod dataset;
mod dataset_datadog;
mod dataset_push;
mod follow;
mod labelset;
mod labelset_show;
mod presets_cmd;
mod report;
mod retry;
mod run;
mod runs;
mod synth;
mod upload;

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
    /// Datasets: generate synthetic ones, import, push and list them on a server.
    #[command(visible_alias = "datasets")]
    Dataset(dataset::DatasetArgs),
    /// Label sets: scans for people to label in the web UI's workbench; create, list,
    /// show, pre-fill with a model, publish as a dataset version.
    #[command(visible_alias = "labelsets")]
    Labelset(labelset::LabelSetArgs),
    /// Submit a run; with --wait, show progress and the results table. `run retry RUN`
    /// executes again the records of RUN that did not succeed.
    Run(Box<run::RunArgs>),
    /// A run's status, progress and (once final) results.
    Status(runs::StatusArgs),
    /// Recent runs, newest first.
    List(runs::ListArgs),
    /// Cancel a run.
    Cancel(runs::CancelArgs),
    /// Two or more experiments side by side.
    Compare(runs::CompareArgs),
    /// The quick presets of model configurations.
    Presets(presets_cmd::PresetsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dataset(args) => dataset::run(args).map(|()| ExitCode::SUCCESS),
        Command::Labelset(args) => labelset::run(args),
        Command::Run(args) => run::run(*args),
        Command::Status(args) => runs::status(args).map(|()| ExitCode::SUCCESS),
        Command::List(args) => runs::list(args).map(|()| ExitCode::SUCCESS),
        Command::Cancel(args) => runs::cancel(args).map(|()| ExitCode::SUCCESS),
        Command::Compare(args) => runs::compare(args).map(|()| ExitCode::SUCCESS),
        Command::Presets(args) => presets_cmd::run(args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tally: {error}");
            ExitCode::FAILURE
        }
    }
}
