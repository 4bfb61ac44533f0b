//! `tally dataset push DIR` (or `--datadog NAME`, which `dataset_datadog` does): packs a dataset folder as a `.tar.gz` — its files at the
//! archive's root, folders and regular files only, as the server requires — into a
//! temporary file, and uploads it to `POST /api/v1/datasets?name=` with a progress
//! bar (`upload`). The server validates it as it validates an imported folder.

use std::fs::File;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use tally_core::contract::DatasetName;
use tally_core::contract::views::ImportOutcomeView;

use crate::api::{Api, Connection};
use crate::dataset_datadog;
use crate::upload::upload_with_progress;

#[derive(Debug, clap::Args)]
pub struct PushArgs {
    #[command(flatten)]
    connection: Connection,
    /// The dataset folder: records.jsonl and the page images it names.
    #[arg(required_unless_present = "datadog", conflicts_with = "datadog")]
    dir: Option<PathBuf>,
    /// The dataset's name on the server (default: the folder's name).
    #[arg(long, conflicts_with = "datadog")]
    name: Option<String>,
    /// Instead of uploading a folder, push the server's dataset NAME (or
    /// NAME@VERSION; default the latest version) to Datadog.
    #[arg(long, value_name = "NAME[@VERSION]")]
    datadog: Option<String>,
    /// The Datadog project to push into (with `--datadog`).
    #[arg(
        long,
        env = "DD_LLMOBS_PROJECT_NAME",
        default_value = "default-project"
    )]
    project: String,
}

pub fn run(args: PushArgs) -> Result<(), Box<dyn std::error::Error>> {
    let dir = match (&args.datadog, &args.dir) {
        (Some(spec), _) => return dataset_datadog::push(&args.connection, spec, &args.project),
        (None, Some(dir)) => dir,
        (None, None) => return Err("name a dataset folder, or --datadog NAME[@VERSION]".into()),
    };
    let name = match &args.name {
        Some(name) => name.clone(),
        None => folder_name(dir)?,
    };
    let name = DatasetName::parse(&name).map_err(|e| format!("--name {name:?}: {e}"))?;
    let api = Api::new(&args.connection)?;
    let archive = tempfile::tempfile()?;
    pack(dir, &archive)?;
    let path = format!("/api/v1/datasets?name={}", name.as_str());
    let pushed: ImportOutcomeView = upload_with_progress(
        &api,
        &path,
        "application/gzip",
        archive,
        format!("uploading {name}"),
    )?;
    println!(
        "{} version {} ({} records, {})",
        pushed.name, pushed.version, pushed.size, pushed.content_hash
    );
    Ok(())
}

fn folder_name(dir: &Path) -> Result<String, String> {
    let canonical = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    canonical
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{}: name the dataset with --name", dir.display()))
}

/// Writes `dir`'s folders and files (links followed, as the server takes none) to
/// `out` as a gzipped tar, paths relative to `dir`.
fn pack(dir: &Path, out: &File) -> Result<(), Box<dyn std::error::Error>> {
    if !dir.join("records.jsonl").is_file() {
        return Err(format!("{}: no records.jsonl in this folder", dir.display()).into());
    }
    let mut builder = tar::Builder::new(GzEncoder::new(out, Compression::default()));
    builder.follow_symlinks(true);
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(dir.join(&relative))?
            .map(|entry| entry.map(|e| relative.join(e.file_name())))
            .collect::<Result<_, _>>()?;
        children.sort();
        for child in children {
            let full = dir.join(&child);
            if full.is_dir() {
                builder.append_dir(&child, &full)?;
                pending.push(child);
            } else if full.is_file() {
                builder.append_path_with_name(&full, &child)?;
            }
        }
    }
    builder.into_inner()?.finish()?;
    Ok(())
}
