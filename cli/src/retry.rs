//! `tally run retry RUN`: a child run executing only the records of RUN (and its
//! earlier retries) that did not succeed; with --wait, the combined result of the
//! run and its retries once the child has ended.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;
use tally_core::contract::ResponseStatus;
use tally_core::contract::views::{RetryAccepted, RunStatusView};

use crate::api::{Api, Connection};
use crate::report::results_table;
use crate::run::{EXIT_RUN_NOT_SUCCEEDED, Output, wait_for};

#[derive(Debug, clap::Args)]
pub struct RetryArgs {
    #[command(flatten)]
    connection: Connection,
    /// The run whose failed, cancelled and never-started records to execute again.
    run_id: String,
    /// Wait for the retry, showing progress, then print the combined result.
    #[arg(long)]
    wait: bool,
    /// Give up waiting after this many seconds (the retry goes on).
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
    /// `table` for people, `json` for scripts (the combined ExperimentResponse with --wait).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

pub fn run(args: RetryArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let api = Api::new(&args.connection)?;
    let accepted: RetryAccepted = api.post(
        &format!("/api/v1/experiments/runs/{}/retry", args.run_id),
        &Value::Null,
        None,
    )?;
    let child = &accepted.run_id;
    if !args.wait {
        match args.output {
            Output::Json => println!("{}", serde_json::to_string_pretty(&accepted)?),
            Output::Table => println!("{child}\n{}\n{}", accepted.message, accepted.status_url),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (status, _) = wait_for(&api, child, Duration::from_secs(args.timeout))?;
    let first = &accepted.retry_of;
    let chain: RunStatusView = api.get(&format!("/api/v1/experiments/runs/{first}"))?;
    let combined = chain
        .combined_result
        .ok_or_else(|| format!("run {first} has no combined result yet"))?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&combined)?),
        Output::Table => {
            println!("run {first} and its retries, each record counted once:");
            print!(
                "{}",
                results_table(
                    &combined.experiments,
                    &combined.message,
                    combined.comparison_url.as_deref()
                )
            );
        }
    }
    if combined.status != ResponseStatus::Success {
        eprintln!("retry {child} ended {status}; the combined result is not a success");
        return Ok(ExitCode::from(EXIT_RUN_NOT_SUCCEEDED));
    }
    Ok(ExitCode::SUCCESS)
}
