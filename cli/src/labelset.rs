//! `tally labelset …`: label sets on a server — scans uploaded for people to label,
//! their progress, a model's drafts, and publishing the accepted labels as a
//! dataset version. Labelling itself happens in the web UI's workbench; `show`
//! (in `labelset_show`) prints where a set stands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};
use tally_core::contract::views::{LabelSetList, LabelSetView, PrefillAccepted, PublishOutcome};
use tally_core::contract::{DatasetName, RunStatus};

use crate::api::{Api, Connection};
use crate::labelset_show;
use crate::run::{EXIT_RUN_NOT_SUCCEEDED, Output, wait_for};
use crate::upload::upload_with_progress;

#[derive(Debug, clap::Args)]
pub struct LabelSetArgs {
    #[command(subcommand)]
    command: LabelSetCommand,
}

#[derive(Debug, clap::Subcommand)]
enum LabelSetCommand {
    /// Upload a .tar.gz or .zip of page images as a new label set (a folder per
    /// record, or `unit_1.png, unit_2.png` grouped by name).
    Create(CreateArgs),
    /// Every label set with its progress.
    List(ListArgs),
    /// One label set: its records' states, progress per labeller, disagreements
    /// and published versions.
    Show(ShowArgs),
    /// Run a model configuration over the set's records; its answers become the
    /// drafts the workbench starts from.
    Prefill(PrefillArgs),
    /// Publish the accepted records as a new version of a dataset (admin keys).
    Publish(PublishArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    connection: Connection,
    /// The archive: `.tar.gz`, `.tgz` or `.zip`.
    archive: PathBuf,
    /// The label set's name (default: the archive's name without its extension).
    #[arg(long)]
    name: Option<String>,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    connection: Connection,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    #[command(flatten)]
    connection: Connection,
    name: String,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(Debug, clap::Args)]
pub struct PrefillArgs {
    #[command(flatten)]
    connection: Connection,
    name: String,
    /// The model (`gemini-2.5-flash`, …, or `tesseract-tha`).
    #[arg(long, required_unless_present = "config", conflicts_with = "config")]
    model: Option<String>,
    /// The model's temperature (with --model).
    #[arg(long, default_value_t = 0.0, conflicts_with = "config")]
    temperature: f64,
    /// A whole model configuration as JSON, as one item of a request's model_configs.
    #[arg(long)]
    config: Option<String>,
    /// Follow the run to its end, showing progress; exit status 2 when it does not
    /// succeed.
    #[arg(long)]
    wait: bool,
    /// Give up waiting after this many seconds (the run goes on).
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    #[command(flatten)]
    connection: Connection,
    name: String,
    /// The dataset the accepted records become a new version of.
    #[arg(long)]
    dataset: String,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

pub fn run(args: LabelSetArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match args.command {
        LabelSetCommand::Create(args) => create(args)?,
        LabelSetCommand::List(args) => list(args)?,
        LabelSetCommand::Show(args) => show(args)?,
        LabelSetCommand::Prefill(args) => return prefill(args),
        LabelSetCommand::Publish(args) => publish(args)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The path of a label set's route: `/api/v1/labelsets/NAME` and `rest`.
fn set_path(name: &str, rest: &str) -> Result<String, String> {
    // Refused here with the flag's name rather than as a 404 of a mangled path.
    let name = DatasetName::parse(name).map_err(|e| format!("label set {name:?}: {e}"))?;
    Ok(format!("/api/v1/labelsets/{}{rest}", name.as_str()))
}

fn create(args: CreateArgs) -> Result<(), Box<dyn std::error::Error>> {
    let (stem, content_type) = archive_kind(&args.archive)?;
    let name = args.name.unwrap_or(stem);
    let name = DatasetName::parse(&name).map_err(|e| format!("--name {name:?}: {e}"))?;
    let file = std::fs::File::open(&args.archive)
        .map_err(|e| format!("{}: {e}", args.archive.display()))?;
    let api = Api::new(&args.connection)?;
    let path = format!("/api/v1/labelsets?name={}", name.as_str());
    let set: LabelSetView =
        upload_with_progress(&api, &path, content_type, file, format!("uploading {name}"))?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&set)?);
        return Ok(());
    }
    let pages: u64 = set.records.iter().map(|r| u64::from(r.pages)).sum();
    println!(
        "label set {}: {} records, {pages} pages",
        set.name,
        set.records.len()
    );
    Ok(())
}

/// The name an archive gives its label set, and its content type; an error for a
/// file that is neither a gzipped tar nor a zip.
fn archive_kind(archive: &Path) -> Result<(String, &'static str), String> {
    let file_name = archive
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let lower = file_name.to_ascii_lowercase();
    for (extension, content_type) in [
        (".tar.gz", "application/gzip"),
        (".tgz", "application/gzip"),
        (".zip", "application/zip"),
    ] {
        if lower.ends_with(extension) && lower.len() > extension.len() {
            let stem = &file_name[..file_name.len() - extension.len()];
            return Ok((stem.to_string(), content_type));
        }
    }
    Err(format!(
        "{}: not a .tar.gz, .tgz or .zip archive",
        archive.display()
    ))
}

fn list(args: ListArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let list: LabelSetList = api.get("/api/v1/labelsets")?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for set in &list.labelsets {
        println!("{}", labelset_show::summary_line(set));
    }
    Ok(())
}

fn show(args: ShowArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let set: LabelSetView = api.get(&set_path(&args.name, "")?)?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&set)?),
        Output::Table => print!("{}", labelset_show::detail(&set)),
    }
    Ok(())
}

fn prefill(args: PrefillArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let config = match (&args.config, &args.model) {
        (Some(text), _) => {
            serde_json::from_str::<Value>(text).map_err(|e| format!("--config: not JSON: {e}"))?
        }
        (None, Some(model)) => json!({"model": model, "temperature": args.temperature}),
        (None, None) => return Err("say which model: --model or --config".into()),
    };
    let api = Api::new(&args.connection)?;
    let accepted: PrefillAccepted = api.post(&set_path(&args.name, "/prefill")?, &config, None)?;
    let run_id = accepted.run_id;
    if !args.wait {
        println!(
            "pre-fill run {run_id} submitted over label set {}",
            args.name
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (status, _) = wait_for(&api, &run_id, Duration::from_secs(args.timeout))?;
    println!("pre-fill run {run_id}: {status}");
    if status != RunStatus::Succeeded {
        return Ok(ExitCode::from(EXIT_RUN_NOT_SUCCEEDED));
    }
    Ok(ExitCode::SUCCESS)
}

fn publish(args: PublishArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let body = json!({"dataset": args.dataset});
    let outcome: PublishOutcome = api.post(&set_path(&args.name, "/publish")?, &body, None)?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(());
    }
    println!(
        "{} version {} ({} records from label set {})",
        outcome.dataset, outcome.version, outcome.records, args.name
    );
    for left in &outcome.left_out {
        println!("  left out {}: {}", left.record_id, left.reason);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_names_its_set_and_says_its_type() {
        let kind = |name: &str| archive_kind(Path::new(name));
        assert_eq!(
            kind("/tmp/scans-2026.tar.gz"),
            Ok(("scans-2026".to_string(), "application/gzip"))
        );
        assert_eq!(
            kind("Scans.TGZ"),
            Ok(("Scans".to_string(), "application/gzip"))
        );
        assert_eq!(
            kind("pages.zip"),
            Ok(("pages".to_string(), "application/zip"))
        );
        assert_eq!(
            kind("pages.tar"),
            Err("pages.tar: not a .tar.gz, .tgz or .zip archive".to_string())
        );
        assert_eq!(
            kind(".zip"),
            Err(".zip: not a .tar.gz, .tgz or .zip archive".to_string())
        );
    }
}
