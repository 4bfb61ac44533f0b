//! `tally dataset …`: working with datasets.

use tally_core::contract::views::{DatasetList, ImportOutcomeView};

use crate::api::{Api, Connection};
use crate::dataset_datadog;
use crate::dataset_push;
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
    /// Import a dataset folder (under the server's TALLY_DATA_DIR) as a new version.
    Import(ImportArgs),
    /// List the server's datasets and their latest versions.
    List(ListArgs),
    /// Import a Datadog dataset version into the server (with the server's Datadog keys).
    Pull(dataset_datadog::PullArgs),
    /// Pack a dataset folder and upload it as a new version (or find the identical
    /// one); with `--datadog NAME[@VERSION]`, push a server dataset to Datadog instead.
    Push(dataset_push::PushArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    connection: Connection,
    /// The folder, relative to the server's data directory (a `datasets/` prefix is
    /// taken as the data directory itself).
    path: String,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    connection: Connection,
}

pub fn run(args: DatasetArgs) -> Result<(), Box<dyn std::error::Error>> {
    match args.command {
        DatasetCommand::Synth(args) => synth::run(args)?,
        DatasetCommand::Import(args) => {
            let api = Api::new(&args.connection)?;
            let path = args.path.strip_prefix("datasets/").unwrap_or(&args.path);
            let body = serde_json::json!({ "path": path.trim_end_matches('/') });
            let imported: ImportOutcomeView = api.post("/api/v1/datasets/import", &body, None)?;
            println!(
                "{} version {} ({} records, {})",
                imported.name, imported.version, imported.size, imported.content_hash
            );
        }
        DatasetCommand::Pull(args) => dataset_datadog::pull(args)?,
        DatasetCommand::Push(args) => dataset_push::run(args)?,
        DatasetCommand::List(args) => {
            let api = Api::new(&args.connection)?;
            let list: DatasetList = api.get("/api/v1/datasets")?;
            for dataset in list.datasets {
                println!(
                    "{:<40} latest v{} ({} records)",
                    dataset.name, dataset.latest_version, dataset.size
                );
            }
        }
    }
    Ok(())
}
