//! Printing runs for people: the progress lines while a run goes on, and the results
//! table once it is final.

use std::io::{IsTerminal, Write};

use serde_json::Value;

/// Redraws one progress line per experiment (in place on a terminal, as new lines
/// only when something changed otherwise).
pub struct Progress {
    drawn_lines: usize,
    last: String,
    terminal: bool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            drawn_lines: 0,
            last: String::new(),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    pub fn show(&mut self, status: &Value) {
        let text = progress_lines(status);
        if text == self.last {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.terminal && self.drawn_lines > 0 {
            // Cursor up over the previous drawing, then clear to the end of the screen.
            let _ = write!(err, "\x1b[{}A\x1b[J", self.drawn_lines);
        }
        let _ = write!(err, "{text}");
        let _ = err.flush();
        self.drawn_lines = text.lines().count();
        self.last = text;
    }
}

fn progress_lines(status: &Value) -> String {
    let mut out = format!(
        "run {} — {}\n",
        text(&status["run_id"]),
        text(&status["status"])
    );
    for experiment in status["experiments"].as_array().into_iter().flatten() {
        let progress = &experiment["progress"];
        let total = progress["total"].as_u64().unwrap_or(0);
        let done = progress["done"].as_u64().unwrap_or(0);
        let failed = progress["failed"].as_u64().unwrap_or(0);
        let width = 24;
        // An experiment with nothing to do is complete; `done` never overfills the bar.
        let filled = (done * width as u64)
            .checked_div(total)
            .map_or(width, |filled| (filled as usize).min(width));
        out += &format!(
            "  {:<32} [{}{}] {done:>5}/{total:<5} failed {failed:<4} retries {}{}\n",
            name_of(experiment),
            "#".repeat(filled),
            ".".repeat(width - filled),
            progress["retries"].as_u64().unwrap_or(0),
            match progress["rate_limited"].as_u64().unwrap_or(0) {
                0 => String::new(),
                n => format!(", 429s {n}"),
            },
        );
        if let Some(waiting) = experiment["waiting"].as_str() {
            out += &format!("    {waiting}\n");
        }
    }
    out
}

fn name_of(experiment: &Value) -> String {
    experiment["experiment_name"]
        .as_str()
        .or_else(|| experiment["name"].as_str())
        .unwrap_or("?")
        .to_string()
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

fn percent(value: &Value) -> String {
    value
        .as_f64()
        .map_or("-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// The results table of an `ExperimentResponse`.
pub fn results_table(response: &Value) -> String {
    let mut rows = vec![
        [
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
        ]
        .map(str::to_string),
    ];
    let experiments = response["experiments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for e in &experiments {
        let tokens = &e["tokens"];
        let total_tokens: u64 = ["prompt", "output", "thinking"]
            .iter()
            .filter_map(|k| tokens[k].as_u64())
            .sum();
        rows.push([
            text(&e["experiment_name"]),
            text(&e["model"]),
            e["temperature"]
                .as_f64()
                .map_or("-".into(), |t| format!("{t:.1}")),
            text(&e["status"]),
            format!("{}/{}", e["successful_records"], e["total_records"]),
            percent(&e["overall_accuracy"]),
            percent(&e["success_rate"]),
            percent(&e["avg_ballot_accuracy"]),
            e["latency_ms"]["p50"]
                .as_f64()
                .map_or("-".into(), |v| format!("{v:.0}")),
            total_tokens.to_string(),
            e["cost_usd"]
                .as_f64()
                .map_or("-".into(), |c| format!("{c:.4}")),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|col| {
            rows.iter()
                .map(|row| row[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    if experiments
        .iter()
        .any(|e| e["emulated"].as_bool() == Some(true))
    {
        out += "EMULATED: these answers come from gemini-emulator, not from Gemini.\n";
    }
    for (index, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}", width = *width))
            .collect();
        out += cells.join("  ").trim_end();
        out += "\n";
        if index == 0 {
            out += &widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ");
            out += "\n";
        }
    }
    out += &format!("{}\n", text(&response["message"]));
    if let Some(url) = response["comparison_url"].as_str() {
        out += &format!("compare: {url}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_lines_up_and_says_when_answers_are_emulated() {
        let table = results_table(&json!({
            "message": "2 of 2 experiments succeeded",
            "comparison_url": "http://x/ui/#/runs/r/compare",
            "experiments": [
                {"experiment_name": "vote-extraction-baseline", "model": "gemini-2.5-flash", "temperature": 0.0,
                 "status": "success", "successful_records": 10, "total_records": 10, "overall_accuracy": 0.9512,
                 "success_rate": 1.0, "avg_ballot_accuracy": 0.98, "latency_ms": {"p50": 812.4, "p95": 900.0},
                 "tokens": {"prompt": 100, "output": 20, "thinking": 5}, "cost_usd": 0.0123, "emulated": true},
                {"experiment_name": "vote-extraction-lite", "model": "gemini-2.5-flash-lite", "temperature": 0.0,
                 "status": "failed", "successful_records": 0, "total_records": 10, "overall_accuracy": 0.0,
                 "success_rate": 0.0, "avg_ballot_accuracy": 0.0, "latency_ms": null, "tokens": {}, "cost_usd": null}
            ]
        }));
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
}
