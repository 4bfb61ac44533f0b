//! Printing runs for people: the progress while a run goes on, and the results table
//! once it is final.

use std::io::{IsTerminal, Write};

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, TableComponent};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tally_core::contract::ExperimentSummary;
use tally_core::contract::views::{ExperimentBrief, RunStatusView};
use tally_core::run::ExperimentPhase;

/// Bar width in characters, on a terminal and in the plain lines alike.
const BAR_WIDTH: usize = 24;

/// Shows a run's progress on standard error: one indicatif bar per experiment on a
/// terminal; elsewhere (CI logs, pipes) plain lines, written again only when
/// something changed, so a log holds no redraw sequences.
pub enum Progress {
    Bars(Bars),
    Lines { last: String },
}

pub struct Bars {
    all: MultiProgress,
    header: ProgressBar,
    experiments: Vec<ProgressBar>,
}

impl Progress {
    pub fn new() -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::Bars(Bars {
                all: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                header: ProgressBar::hidden(),
                experiments: Vec::new(),
            })
        } else {
            Progress::Lines {
                last: String::new(),
            }
        }
    }

    pub fn show(&mut self, status: &RunStatusView) {
        match self {
            Progress::Bars(bars) => bars.show(status),
            Progress::Lines { last } => {
                let text = progress_lines(status);
                if text != *last {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "{text}");
                    let _ = err.flush();
                    *last = text;
                }
            }
        }
    }

    /// Leaves the bars as they are on screen.
    pub fn finish(&self) {
        if let Progress::Bars(bars) = self {
            bars.header.finish();
            for bar in &bars.experiments {
                bar.finish();
            }
        }
    }
}

impl Bars {
    fn show(&mut self, status: &RunStatusView) {
        if self.experiments.is_empty() {
            self.header = self
                .all
                .add(ProgressBar::new_spinner().with_style(plain_style(HEADER_TEMPLATE)));
            let style = plain_style(&experiment_template()).progress_chars("#>.");
            for experiment in &status.experiments {
                let bar = self.all.add(
                    ProgressBar::new(experiment.progress.total)
                        .with_style(style.clone())
                        .with_prefix(experiment.experiment_name.clone()),
                );
                self.experiments.push(bar);
            }
        }
        self.header
            .set_message(format!("run {} — {}", status.run_id, status.status));
        for (bar, experiment) in self.experiments.iter().zip(&status.experiments) {
            let progress = &experiment.progress;
            bar.set_length(progress.total);
            bar.set_position(progress.done);
            bar.set_message(counters(experiment));
        }
    }
}

const HEADER_TEMPLATE: &str = "{msg}";

/// One experiment's bar, laid out like the plain lines.
fn experiment_template() -> String {
    format!("  {{prefix:<32}} [{{bar:{BAR_WIDTH}}}] {{pos:>5}}/{{len:<5}} {{msg}}")
}

/// A style from a template the code itself writes; a template error is a bug of
/// this file, shown by the default style rather than a crash.
fn plain_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn counters(experiment: &ExperimentBrief) -> String {
    let progress = &experiment.progress;
    format!(
        "failed {:<4} retries {}{}{}",
        progress.failed,
        progress.retries,
        match progress.rate_limited {
            0 => String::new(),
            n => format!(", 429s {n}"),
        },
        // A batch-mode experiment's results arrive all at once: its batches say more.
        experiment
            .batch
            .as_ref()
            .map_or(String::new(), |batch| format!(", {}", batch.describe())),
    )
}

fn progress_lines(status: &RunStatusView) -> String {
    let mut out = format!("run {} — {}\n", status.run_id, status.status);
    for experiment in &status.experiments {
        let progress = &experiment.progress;
        let (done, total) = (progress.done, progress.total);
        // An experiment with nothing to do is complete; `done` never overfills the bar.
        let filled = (done * BAR_WIDTH as u64)
            .checked_div(total)
            .map_or(BAR_WIDTH, |filled| (filled as usize).min(BAR_WIDTH));
        out += &format!(
            "  {:<32} [{}{}] {done:>5}/{total:<5} {}\n",
            experiment.experiment_name,
            "#".repeat(filled),
            ".".repeat(BAR_WIDTH - filled),
            counters(experiment),
        );
        if let Some(waiting) = &experiment.waiting {
            out += &format!("    {waiting}\n");
        }
    }
    out
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// A summary metric as a percentage; with trials, its mean ± standard error.
fn metric(e: &ExperimentSummary, name: &str, value: f64) -> String {
    match e.trials.as_ref().and_then(|t| t.metrics.get(name)) {
        Some(m) => format!("{:.1}% ± {:.1}", m.mean * 100.0, m.standard_error * 100.0),
        None => percent(Some(value)),
    }
}

/// Per experiment with trials: how often its trials agree and which records moved.
fn trial_lines(experiments: &[ExperimentSummary]) -> String {
    let mut out = String::new();
    for e in experiments {
        let Some(trials) = &e.trials else { continue };
        out += &format!(
            "{}: {} trials, agreement {} of {} records",
            e.experiment_name,
            trials.trials,
            percent(trials.agreement_rate),
            trials.records_compared
        );
        if !trials.least_stable.is_empty() {
            let records: Vec<String> = trials
                .least_stable
                .iter()
                .map(|r| format!("{} ({} answers)", r.record_id, r.distinct_answers))
                .collect();
            out += &format!("; least stable: {}", records.join(", "));
        }
        out += "\n";
    }
    out
}

const HEADER: [&str; 11] = [
    "experiment",
    "model",
    "temp",
    "status",
    "ok/total",
    "accuracy",
    "success",
    "ballot",
    "p50 ms",
    "tokens",
    "cost $",
];

/// The results table of experiment summaries, then `message` and the comparison link.
pub fn results_table(
    experiments: &[ExperimentSummary],
    message: &str,
    comparison_url: Option<&str>,
) -> String {
    let mut table = Table::new();
    // Columns two spaces apart, the header underlined with dashes, no other rules:
    // the look of a plain-text report that greps and diffs well.
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_style(TableComponent::VerticalLines, ' ')
        .set_style(TableComponent::HeaderLines, '-')
        .set_style(TableComponent::MiddleHeaderIntersections, ' ')
        .set_header(HEADER);
    for e in experiments {
        let tokens = e.tokens.prompt + e.tokens.output + e.tokens.thinking;
        table.add_row([
            e.experiment_name.clone(),
            e.model.clone(),
            format!("{:.1}", e.temperature),
            ExperimentPhase::from(e.status).as_str().to_string(),
            format!("{}/{}", e.successful_records, e.total_records),
            metric(e, "overall_accuracy", e.overall_accuracy),
            metric(e, "success_rate", e.success_rate),
            metric(e, "avg_ballot_accuracy", e.avg_ballot_accuracy),
            e.latency_ms.map_or("-".into(), |l| format!("{:.0}", l.p50)),
            tokens.to_string(),
            e.cost_usd.map_or("-".into(), |c| format!("{c:.4}")),
        ]);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 1));
        column.set_cell_alignment(CellAlignment::Left);
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    let mut out = String::new();
    if experiments.iter().any(|e| e.emulated) {
        out += "EMULATED: these answers come from gemini-emulator, not from Gemini.\n";
    }
    for line in table.lines() {
        out += line.trim_end();
        out += "\n";
    }
    out += &trial_lines(experiments);
    out += &format!("{message}\n");
    if let Some(url) = comparison_url {
        out += &format!("compare: {url}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_templates_parse() {
        for template in [HEADER_TEMPLATE.to_string(), experiment_template()] {
            assert!(
                ProgressStyle::with_template(&template).is_ok(),
                "{template}"
            );
        }
    }
    use serde_json::json;

    #[test]
    fn the_table_lines_up_and_says_when_answers_are_emulated() {
        let experiments: Vec<ExperimentSummary> = serde_json::from_value(json!([
            {"experiment_id": "e1", "experiment_url": "u", "experiment_name": "vote-extraction-baseline", "model": "gemini-2.5-flash", "temperature": 0.0,
             "status": "success", "successful_records": 10, "total_records": 10, "failed_records": 0, "overall_accuracy": 0.9512,
             "success_rate": 1.0, "avg_ballot_accuracy": 0.98, "latency_ms": {"p50": 812.4, "p95": 900.0},
             "tokens": {"prompt": 100, "output": 20, "thinking": 5}, "cost_usd": 0.0123, "emulated": true},
            {"experiment_id": "e2", "experiment_url": "u", "experiment_name": "vote-extraction-lite", "model": "gemini-2.5-flash-lite", "temperature": 0.0,
             "status": "failed", "successful_records": 0, "total_records": 10, "failed_records": 10, "overall_accuracy": 0.0,
             "success_rate": 0.0, "avg_ballot_accuracy": 0.0, "latency_ms": null, "cost_usd": null}
        ]))
        .unwrap();
        let table = results_table(
            &experiments,
            "2 of 2 experiments succeeded",
            Some("http://x/ui/#/runs/r/compare"),
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "EMULATED: these answers come from gemini-emulator, not from Gemini."
        );
        assert!(
            lines[1].starts_with("experiment                model"),
            "{}",
            lines[1]
        );
        assert!(
            lines[3].contains("10/10")
                && lines[3].contains("95.1%")
                && lines[3].contains("812")
                && lines[3].contains("0.0123")
        );
        assert!(lines[4].contains("0/10") && lines[4].contains("failed"));
        assert_eq!(
            lines[3].find("gemini-2.5-flash"),
            lines[4].find("gemini-2.5-flash-lite"),
            "columns line up"
        );
        assert_eq!(lines[6], "compare: http://x/ui/#/runs/r/compare");
    }

    #[test]
    fn with_trials_metrics_show_mean_and_standard_error_and_the_least_stable_records() {
        let experiments: Vec<ExperimentSummary> = serde_json::from_value(json!([
            {"experiment_id": "e1", "experiment_url": "u", "experiment_name": "vote-extraction-hot", "model": "gemini-2.5-flash", "temperature": 1.0,
             "status": "success", "successful_records": 30, "total_records": 30, "failed_records": 0, "overall_accuracy": 0.7,
             "success_rate": 1.0, "avg_ballot_accuracy": 0.8,
             "trials": {"trials": 3, "agreement_rate": 0.8, "records_compared": 10,
               "metrics": {"overall_accuracy": {"mean": 0.7, "standard_error": 0.11547, "per_trial": [0.5, 0.7, 0.9]}},
               "least_stable": [{"record_id": "r7", "distinct_answers": 3, "modal_share": 0.3333, "overall_accuracy": [0.2, 0.5, 1.0]},
                                {"record_id": "r2", "distinct_answers": 2, "modal_share": 0.6667, "overall_accuracy": [1.0, 1.0, 0.4]}]}}
        ]))
        .unwrap();
        let table = results_table(&experiments, "1 of 1 experiments succeeded", None);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[2].contains("30/30"), "{}", lines[2]);
        assert!(lines[2].contains("70.0% ± 11.5"), "{}", lines[2]);
        // A metric without trial statistics keeps its plain value.
        assert!(lines[2].contains("100.0%"), "{}", lines[2]);
        assert_eq!(
            lines[3],
            "vote-extraction-hot: 3 trials, agreement 80.0% of 10 records; least stable: r7 (3 answers), r2 (2 answers)"
        );
    }
}
