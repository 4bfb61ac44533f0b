//! `tally dataset pull` and `tally dataset push --datadog` (its arguments are in
//! `dataset_push`): datasets between Datadog and a tally server, moved by the server
//! with its own Datadog keys.

use tally_core::contract::views::{DatadogOrigin, DatadogPushView, ImportOutcomeView};

use crate::api::{Api, Connection};

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    #[command(flatten)]
    connection: Connection,
    /// The Datadog project holding the dataset.
    #[arg(
        long,
        env = "DD_LLMOBS_PROJECT_NAME",
        default_value = "default-project"
    )]
    project: String,
    /// The Datadog dataset; the tally dataset takes its name.
    dataset: String,
    /// Datadog's version number (from 0); default: the current version.
    #[arg(long)]
    version: Option<i64>,
}

/// Imports a Datadog dataset version into the server.
pub fn pull(args: PullArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let body = serde_json::json!({"datadog": {
        "project_name": args.project,
        "dataset_name": args.dataset,
        "version": args.version,
    }});
    let imported: ImportOutcomeView = api.post("/api/v1/datasets/import", &body, None)?;
    println!(
        "{} version {} ({} records, {})",
        imported.name, imported.version, imported.size, imported.content_hash
    );
    if let Some(origin) = &imported.datadog {
        println!("from Datadog: {}", describe(origin));
    }
    Ok(())
}

/// Pushes a tally dataset version to Datadog.
pub fn push(
    connection: &Connection,
    spec: &str,
    project: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let (name, version) = parse_name_version(spec)?;
    let api = Api::new(connection)?;
    let body = serde_json::json!({"version": version, "project_name": project});
    let pushed: DatadogPushView =
        api.post(&format!("/api/v1/datasets/{name}/datadog"), &body, None)?;
    println!(
        "{} version {} pushed to Datadog: {}",
        pushed.name,
        pushed.version,
        describe(&pushed.datadog)
    );
    Ok(())
}

/// `project/dataset v3 <url>`.
pub fn describe(origin: &DatadogOrigin) -> String {
    format!(
        "{}/{} v{} {}",
        origin.project_name, origin.dataset_name, origin.version, origin.url
    )
}

/// `NAME` or `NAME@VERSION`.
fn parse_name_version(text: &str) -> Result<(&str, Option<u64>), String> {
    match text.rsplit_once('@') {
        None => Ok((text, None)),
        Some((name, version)) => match version.parse::<u64>() {
            Ok(version) if version >= 1 && !name.is_empty() => Ok((name, Some(version))),
            _ => Err(format!(
                "--datadog {text:?}: expected NAME or NAME@VERSION with a version from 1"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_follows_the_last_at_sign() {
        assert_eq!(parse_name_version("ballots"), Ok(("ballots", None)));
        assert_eq!(parse_name_version("ballots@3"), Ok(("ballots", Some(3))));
        assert!(parse_name_version("ballots@0").is_err());
        assert!(parse_name_version("ballots@x").is_err());
        assert!(parse_name_version("@2").is_err());
    }
}
