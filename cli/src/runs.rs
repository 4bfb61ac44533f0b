//! `tally status`, `list`, `cancel`, `compare`: looking at runs on a server.

use serde_json::Value;

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
    let status = api.get(&format!("/api/v1/experiments/runs/{}", args.run_id))?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    println!("run {}: {}", args.run_id, text(&status["status"]));
    let stalled = &status["stalled"];
    if !stalled.is_null() {
        println!(
            "  stalled since {}: {}",
            text(&stalled["since"]),
            text(&stalled["reason"])
        );
    }
    for experiment in status["experiments"].as_array().into_iter().flatten() {
        let progress = &experiment["progress"];
        println!(
            "  {}  {}/{} done, {} failed",
            text(&experiment["experiment_name"]),
            progress["done"],
            progress["total"],
            progress["failed"]
        );
    }
    if !status["result"].is_null() {
        print!("{}", results_table(&status["result"]));
    }
    Ok(())
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
    let runs = api.get(&format!("/api/v1/experiments/runs{query}"))?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(());
    }
    let list = runs["runs"]
        .as_array()
        .or_else(|| runs.as_array())
        .cloned()
        .unwrap_or_default();
    for run in list {
        println!(
            "{}  {:<10} {:<25} {}",
            text(&run["run_id"]),
            text(&run["status"]),
            text(&run["created_at"]),
            text(&run["dataset_name"])
        );
    }
    Ok(())
}

pub fn cancel(args: CancelArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let answer = api.post(
        &format!("/api/v1/experiments/runs/{}/cancel", args.run_id),
        &Value::Null,
        None,
    )?;
    println!("{}", text(&answer["message"]).trim_matches('"'));
    Ok(())
}

pub fn compare(args: CompareArgs) -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let comparison = api.get(&format!(
        "/api/v1/experiments/compare?ids={}",
        args.experiment_ids.join(",")
    ))?;
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&comparison)?);
        return Ok(());
    }
    // The summaries of final experiments, as a results table.
    let summaries: Vec<Value> = comparison["experiments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("summary").filter(|s| !s.is_null()).cloned())
        .collect();
    let message = format!(
        "{} shared records, {} where the experiments disagree",
        comparison["shared_records"], comparison["differences_total"]
    );
    print!(
        "{}",
        results_table(&serde_json::json!({"experiments": summaries, "message": message}))
    );
    for pair in comparison["pairs"].as_array().into_iter().flatten() {
        println!("{}", describe_pair(pair));
    }
    Ok(())
}

fn describe_pair(pair: &Value) -> String {
    format!(
        "{} vs {}: accuracy {} vs {}, difference {} — {}",
        text(&pair["a"]),
        text(&pair["b"]),
        number(&pair["accuracy_a"]),
        number(&pair["accuracy_b"]),
        number(&pair["difference"]),
        text(&pair["verdict"])
    )
}

fn number(value: &Value) -> String {
    value.as_f64().map_or("-".into(), |v| format!("{v:.3}"))
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}
