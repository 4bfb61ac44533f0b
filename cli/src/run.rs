//! `tally run`: submit a run, optionally wait for it with live progress, print the
//! results, and fail on a missed threshold. `tally run retry` is in `retry.rs`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tally_core::contract::{ExperimentResponse, ExperimentSummary, RunAccepted, RunStatus};
use tally_core::presets;

use crate::api::{Api, Connection};
use crate::follow::follow;
use crate::report::{Progress, results_table};
use crate::retry::RetryArgs;

/// Exit status when the run ended other than `succeeded`.
pub const EXIT_RUN_NOT_SUCCEEDED: u8 = 2;
/// Exit status when a `--fail-under` threshold was missed.
pub const EXIT_THRESHOLD_MISSED: u8 = 3;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RunArgs {
    #[command(subcommand)]
    action: Option<RunAction>,
    #[command(flatten)]
    connection: Connection,
    /// A preset's model configurations (see `tally presets`).
    #[arg(long, conflicts_with_all = ["request", "models"])]
    preset: Option<String>,
    /// A whole ExperimentRequest as JSON (a file, or - for standard input).
    #[arg(long, conflicts_with = "models")]
    request: Option<PathBuf>,
    /// The model_configs as a JSON list. A `model` is a Gemini id (`gemini-2.5-flash`,
    /// `gemini-2.5-flash-lite`, `gemini-2.5-pro`, …) or `tesseract-tha`, the local
    /// OCR model the workers run themselves.
    #[arg(long)]
    models: Option<String>,
    /// The dataset to run on (required unless --request names one).
    #[arg(long)]
    dataset: Option<String>,
    /// A pinned dataset version (default: the latest).
    #[arg(long)]
    dataset_version: Option<u32>,
    /// Only the first N records.
    #[arg(long)]
    sample_size: Option<u32>,
    /// Model calls in flight per experiment.
    #[arg(long)]
    jobs: Option<u32>,
    /// Run every record N times (1 to 20); the results show each metric's mean ± its
    /// standard error across trials and the least stable records.
    #[arg(long)]
    trials: Option<u32>,
    /// Keep going when a record fails (raise_errors = false).
    #[arg(long)]
    no_raise_errors: bool,
    /// `online` (one call per record) or `batch` (Gemini's batch mode: half the
    /// price, answers within 24 h; Developer API only). Default: the request's, else
    /// online.
    #[arg(long, value_parser = ["online", "batch"])]
    execution: Option<String>,
    /// Fail an experiment at once when its model's daily quota is used up, instead
    /// of waiting for midnight Pacific (on_daily_quota = "fail").
    #[arg(long)]
    fail_on_daily_quota: bool,
    /// Makes a retried submission return the same run.
    #[arg(long)]
    idempotency_key: Option<String>,
    /// Wait for the run to finish, showing progress, then print the results.
    #[arg(long)]
    wait: bool,
    /// Give up waiting after this many seconds (the run goes on).
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
    /// `table` for people, `json` for scripts (the final ExperimentResponse with --wait).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    /// `metric=value`: exit with status 3 when any experiment's metric is below value
    /// (overall_accuracy, success_rate, avg_ballot_accuracy, …). Repeatable.
    #[arg(long = "fail-under", value_parser = parse_threshold)]
    fail_under: Vec<Threshold>,
}

#[derive(Debug, clap::Subcommand)]
pub enum RunAction {
    /// Execute again the records of a run that did not succeed (failed, cancelled,
    /// never started), same configuration and dataset version.
    Retry(RetryArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    metric: String,
    minimum: f64,
}

const METRICS: [&str; 5] = [
    "overall_accuracy",
    "success_rate",
    "avg_ballot_accuracy",
    "avg_vote_results_quality",
    "exact_form_match_rate",
];

fn parse_threshold(text: &str) -> Result<Threshold, String> {
    let (metric, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected metric=value, got \"{text}\""))?;
    if !METRICS.contains(&metric) {
        return Err(format!(
            "unknown metric \"{metric}\"; one of {}",
            METRICS.join(", ")
        ));
    }
    let minimum: f64 = value
        .parse()
        .ok()
        .filter(|v: &f64| (0.0..=1.0).contains(v))
        .ok_or_else(|| format!("\"{value}\" is not a number between 0 and 1"))?;
    Ok(Threshold {
        metric: metric.to_string(),
        minimum,
    })
}

pub fn run(args: RunArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if let Some(RunAction::Retry(retry)) = args.action {
        return crate::retry::run(retry);
    }
    let body = request_body(&args)?;
    let api = Api::new(&args.connection)?;
    let accepted: RunAccepted = api.post(
        "/api/v1/experiments/run-async",
        &body,
        args.idempotency_key.as_deref(),
    )?;
    // Unknown fields the API ignored: the run goes on, but the request may not say
    // what its author meant.
    for warning in &accepted.warnings {
        eprintln!("warning: {warning}");
    }
    let run_id = accepted.run_id.clone();
    if !args.wait {
        match args.output {
            Output::Json => println!("{}", serde_json::to_string_pretty(&accepted)?),
            Output::Table => println!("{run_id}\n{}", accepted.status_url),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (status, result) = wait_for(&api, &run_id, Duration::from_secs(args.timeout))?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        Output::Table => print!(
            "{}",
            results_table(
                &result.experiments,
                &result.message,
                result.comparison_url.as_deref()
            )
        ),
    }
    let missed = missed_thresholds(&result.experiments, &args.fail_under);
    for line in &missed {
        eprintln!("threshold missed: {line}");
    }
    if status != RunStatus::Succeeded {
        eprintln!("run {run_id} ended {status}");
        return Ok(ExitCode::from(EXIT_RUN_NOT_SUCCEEDED));
    }
    if !missed.is_empty() {
        return Ok(ExitCode::from(EXIT_THRESHOLD_MISSED));
    }
    Ok(ExitCode::SUCCESS)
}

fn request_body(args: &RunArgs) -> Result<Value, Box<dyn std::error::Error>> {
    let mut body = match (&args.preset, &args.request, &args.models) {
        (Some(id), _, _) => {
            let preset = presets::preset(id).ok_or_else(|| {
                let known: Vec<_> = presets::presets().iter().map(|p| p.id).collect();
                format!("unknown preset \"{id}\"; one of {}", known.join(", "))
            })?;
            preset.request(args.dataset.as_deref().unwrap_or_default())
        }
        (None, Some(path), _) => {
            let text = if path.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
            };
            serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?
        }
        (None, None, Some(models)) => {
            let configs: Value =
                serde_json::from_str(models).map_err(|e| format!("--models: not JSON: {e}"))?;
            json!({"model_configs": configs})
        }
        (None, None, None) => return Err("say what to run: --preset, --request or --models".into()),
    };
    let object = body
        .as_object_mut()
        .ok_or("the request must be a JSON object")?;
    if let Some(dataset) = &args.dataset {
        object.insert("dataset_name".into(), json!(dataset));
    }
    if !object.contains_key("dataset_name") || object["dataset_name"] == "" {
        return Err("--dataset is required (or a dataset_name in --request)".into());
    }
    for (field, value) in [
        ("dataset_version", args.dataset_version.map(|v| json!(v))),
        ("sample_size", args.sample_size.map(|v| json!(v))),
        ("jobs", args.jobs.map(|v| json!(v))),
        ("trials", args.trials.map(|v| json!(v))),
        ("raise_errors", args.no_raise_errors.then_some(json!(false))),
        ("execution", args.execution.as_ref().map(|v| json!(v))),
        (
            "on_daily_quota",
            args.fail_on_daily_quota.then_some(json!("fail")),
        ),
    ] {
        if let Some(value) = value {
            object.insert(field.into(), value);
        }
    }
    Ok(body)
}

/// Follows the run until it is final (`follow`: status events, polling as the
/// fallback), showing progress on standard error; the final status and the run's
/// response.
pub fn wait_for(
    api: &Api,
    run_id: &str,
    timeout: Duration,
) -> Result<(RunStatus, ExperimentResponse), Box<dyn std::error::Error>> {
    let mut progress = Progress::new();
    let status = follow(api, run_id, Instant::now() + timeout, |status| {
        progress.show(status)
    })?;
    progress.finish();
    match status.result {
        Some(result) if status.status.is_final() => Ok((status.status, result)),
        _ => Err(format!(
            "run {run_id} is still {} after {}s; it goes on (tally status {run_id})",
            status.status,
            timeout.as_secs()
        )
        .into()),
    }
}

/// The value of one of `METRICS`; `None` when it was not measured.
fn metric(experiment: &ExperimentSummary, name: &str) -> Option<f64> {
    match name {
        "overall_accuracy" => Some(experiment.overall_accuracy),
        "success_rate" => Some(experiment.success_rate),
        "avg_ballot_accuracy" => Some(experiment.avg_ballot_accuracy),
        "avg_vote_results_quality" => experiment.avg_vote_results_quality,
        "exact_form_match_rate" => experiment.exact_form_match_rate,
        _ => None,
    }
}

fn missed_thresholds(experiments: &[ExperimentSummary], thresholds: &[Threshold]) -> Vec<String> {
    let mut missed = Vec::new();
    for experiment in experiments {
        for threshold in thresholds {
            let value = metric(experiment, &threshold.metric);
            if value.is_none_or(|v| v < threshold.minimum) {
                missed.push(format!(
                    "{} {} = {} < {}",
                    experiment.experiment_name,
                    threshold.metric,
                    value.map_or("none".to_string(), |v| format!("{v:.4}")),
                    threshold.minimum
                ));
            }
        }
    }
    missed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse_with_a_reason_when_wrong() {
        assert_eq!(
            parse_threshold("overall_accuracy=0.9"),
            Ok(Threshold {
                metric: "overall_accuracy".into(),
                minimum: 0.9
            })
        );
        assert!(
            parse_threshold("accuracy=0.9")
                .unwrap_err()
                .contains("unknown metric \"accuracy\"")
        );
        assert!(
            parse_threshold("success_rate=1.5")
                .unwrap_err()
                .contains("not a number between 0 and 1")
        );
        assert!(
            parse_threshold("success_rate")
                .unwrap_err()
                .contains("expected metric=value")
        );
    }

    #[test]
    fn fail_on_daily_quota_asks_the_request_to_fail() {
        #[derive(clap::Parser)]
        struct Command {
            #[command(flatten)]
            run: RunArgs,
        }
        let body = |extra: &[&str]| {
            let mut argv = vec!["tally", "--models", "[]", "--dataset", "d"];
            argv.extend(extra);
            let command = <Command as clap::Parser>::try_parse_from(argv).unwrap();
            request_body(&command.run).unwrap()
        };
        assert_eq!(body(&["--fail-on-daily-quota"])["on_daily_quota"], "fail");
        assert_eq!(body(&[]).get("on_daily_quota"), None);
    }

    #[test]
    fn every_experiment_is_held_to_every_threshold() {
        let summary = |name: &str, accuracy: f64| -> ExperimentSummary {
            serde_json::from_value(json!({
                "experiment_id": name, "experiment_name": name, "experiment_url": "u",
                "model": "m", "temperature": 0.0, "status": "success", "total_records": 1,
                "successful_records": 1, "failed_records": 0, "overall_accuracy": accuracy,
                "success_rate": 1.0, "avg_ballot_accuracy": 1.0
            }))
            .unwrap()
        };
        let response = [summary("a", 0.95), summary("b", 0.85)];
        let thresholds = [
            parse_threshold("overall_accuracy=0.9").unwrap(),
            parse_threshold("success_rate=1").unwrap(),
        ];
        assert_eq!(
            missed_thresholds(&response, &thresholds),
            ["b overall_accuracy = 0.8500 < 0.9"]
        );
    }
}
