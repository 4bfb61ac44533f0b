//! `tally status`, `list`, `cancel`, `compare`: looking at runs on a server.

use chrono::SecondsFormat;
use serde_json::Value;
use tally_core::contract::ExperimentSummary;
use tally_core::contract::views::{
    CancelAnswer, Comparison, ExperimentDetail, PairComparison, RunList, RunStatusView,
};

use crate::api::{Api, Connection};
use crate::report::results_table;
use crate::run::Output;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    connection: Connection,
    run_id: String,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    connection: Connection,
    /// Only runs with this status (queued, running, succeeded, partial, failed, cancelled).
    #[arg(long)]
    status: Option<String>,
    /// Only runs created by this schedule.
    #[arg(long)]
    schedule: Option<String>,
    #[arg(long, default_value_t = 20)]
    limit: u32,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(Debug, clap::Args)]
pub struct CancelArgs {
    #[command(flatten)]
    connection: Connection,
    run_id: String,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    #[command(flatten)]
    connection: Connection,
    /// Two or more experiment ids (from any runs).
    #[arg(required = true, num_args = 2..)]
    experiment_ids: Vec<String>,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

pub fn status(args: StatusArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let status: RunStatusView = api.get(&format!("/api/v1/experiments/runs/{}", args.run_id))?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    println!("run {}: {}", args.run_id, status.status);
    if let Some(stalled) = &status.stalled {
        let since = stalled
            .since
            .map_or_else(|| "an unknown time".to_string(), |at| at.to_rfc3339());
        println!("  stalled since {since}: {}", stalled.reason);
    }
    for experiment in &status.experiments {
        let progress = &experiment.progress;
        println!(
            "  {}  {}/{} done, {} failed",
            experiment.experiment_name, progress.done, progress.total, progress.failed
        );
        if let Some(waiting) = &experiment.waiting {
            println!("    {waiting}");
        }
        if status.retry_of.is_some() {
            let path = format!(
                "/api/v1/experiments/experiments/{}",
                experiment.experiment_id
            );
            let detail: ExperimentDetail = api.get(&path)?;
            if let Some(scope) = &detail.retry {
                println!(
                    "    retries {} of {}: sample positions {}",
                    scope.positions.len(),
                    scope.experiment_id,
                    positions(&scope.positions)
                );
            }
        }
    }
    if let Some(export) = &status.datadog_export {
        println!(
            "  Datadog export: {} ({} failed attempts)",
            export.state, export.attempts
        );
        for experiment in &export.experiments {
            println!(
                "    {}  {} exported, {} pending, {} failed",
                experiment.experiment_id,
                experiment.exported,
                experiment.pending,
                experiment.failed
            );
        }
        if let Some(error) = &export.last_error {
            println!("    last error: {error}");
        }
    }
    if let Some(result) = &status.result {
        print!(
            "{}",
            results_table(
                &result.experiments,
                &result.message,
                result.comparison_url.as_deref()
            )
        );
    }
    if let Some(first) = &status.retry_of {
        println!("retry of run {}", first.run_id);
    }
    for retry in &status.retries {
        // A retry past its retention has no status any more.
        let state = retry.status.map_or("null".to_string(), |s| s.to_string());
        println!("retried by run {} ({state})", retry.run_id);
    }
    if let Some(combined) = &status.combined_result {
        println!("combined over the run and its retries, each record counted once:");
        print!(
            "{}",
            results_table(
                &combined.experiments,
                &combined.message,
                combined.comparison_url.as_deref()
            )
        );
    }
    Ok(())
}

/// Sample positions as a short list: the first few, then how many more.
fn positions(positions: &[u64]) -> String {
    const SHOWN: usize = 20;
    let mut text = positions
        .iter()
        .take(SHOWN)
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if positions.len() > SHOWN {
        text += &format!(" and {} more", positions.len() - SHOWN);
    }
    text
}

pub fn list(args: ListArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let mut query = format!("?limit={}", args.limit);
    if let Some(status) = &args.status {
        query += &format!("&status={status}");
    }
    if let Some(schedule) = &args.schedule {
        query += &format!("&schedule={schedule}");
    }
    let runs: RunList = api.get(&format!("/api/v1/experiments/runs{query}"))?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(());
    }
    for run in runs.runs {
        println!(
            "{}  {:<10} {:<25} {}",
            run.run_id,
            run.status.as_str(),
            // As the API writes it (RFC 3339, UTC, `Z`).
            run.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            run.dataset_name
        );
    }
    Ok(())
}

pub fn cancel(args: CancelArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let answer: CancelAnswer = api.post(
        &format!("/api/v1/experiments/runs/{}/cancel", args.run_id),
        &Value::Null,
        None,
    )?;
    println!("{}", answer.message);
    Ok(())
}

pub fn compare(args: CompareArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let comparison: Comparison = api.get(&format!(
        "/api/v1/experiments/compare?ids={}",
        args.experiment_ids.join(",")
    ))?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&comparison)?);
        return Ok(());
    }
    // The summaries of final experiments, as a results table.
    let summaries: Vec<ExperimentSummary> = comparison
        .experiments
        .iter()
        .filter_map(|e| e.summary.clone())
        .collect();
    let message = format!(
        "{} shared records, {} where the experiments disagree",
        comparison.shared_records, comparison.differences_total
    );
    print!("{}", results_table(&summaries, &message, None));
    for pair in &comparison.pairs {
        println!("{}", describe_pair(pair));
    }
    Ok(())
}

fn describe_pair(pair: &PairComparison) -> String {
    format!(
        "{} vs {}: accuracy {} vs {}, difference {} — {}",
        pair.a,
        pair.b,
        number(pair.accuracy_a),
        number(pair.accuracy_b),
        number(pair.difference),
        pair.verdict
    )
}

fn number(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.3}"))
}
