//! The schedules file: TOML, one `[[schedule]]` table per schedule, in the JSON shape
//! of `Schedule` (see `definition`). It seeds the store when a scheduler starts.
//!
//! ```toml
//! [[schedule]]
//! name = "weekly-monitoring"
//! cron = "0 8 * * 1"
//! time_zone = "UTC"
//!
//! [schedule.request]
//! dataset_name = "vote-extraction-bangbamru-1-10"
//! dataset_version = "latest"
//! sample_size = 5
//!
//! [[schedule.request.model_configs]]
//! model = "gemini-2.5-flash-lite"
//! temperature = 0.0
//! name_suffix = "ci-lite"
//! ```

use std::path::Path;

use serde_json::Value;

use super::definition::Schedule;
use crate::contract::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum SchedulesFileError {
    #[error("{path}: cannot be read: {message}")]
    Unreadable { path: String, message: String },
    #[error("{path}: is not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: {} problem(s): {}", .problems.len(), render(.problems))]
    Invalid {
        path: String,
        problems: Vec<FieldError>,
    },
}

/// Reads and validates the schedules file at `path`.
pub fn read_schedules_file(path: &Path) -> Result<Vec<Schedule>, SchedulesFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SchedulesFileError::Unreadable {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    parse_schedules_file(&shown, &text)
}

/// Validates the text of a schedules file; `path` only names it in errors. Every
/// problem is reported, each with its path (`schedule[0].request.jobs`); two
/// schedules may not share a name.
pub fn parse_schedules_file(path: &str, text: &str) -> Result<Vec<Schedule>, SchedulesFileError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| SchedulesFileError::Syntax {
        path: path.to_string(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let invalid = |problems| SchedulesFileError::Invalid {
        path: path.to_string(),
        problems,
    };
    let mut problems = Vec::new();
    for key in table.keys().filter(|k| k.as_str() != "schedule") {
        problems.push(FieldError {
            field: key.clone(),
            message: "unknown table (expected [[schedule]])".to_string(),
        });
    }
    let entries = match table.get("schedule") {
        None => Vec::new(),
        Some(toml::Value::Array(entries)) => entries.clone(),
        Some(_) => {
            problems.push(FieldError {
                field: "schedule".to_string(),
                message: "must be an array of tables ([[schedule]])".to_string(),
            });
            Vec::new()
        }
    };
    let mut schedules: Vec<Schedule> = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let prefix = format!("schedule[{index}]");
        // TOML and JSON share their data model for everything a schedule holds
        // (TOML dates have no place in one and fail validation as objects).
        let json = serde_json::to_value(entry).unwrap_or(Value::Null);
        match Schedule::from_json(&json) {
            Ok(schedule) => {
                if let Some(first) = schedules.iter().position(|s| s.name == schedule.name) {
                    problems.push(FieldError {
                        field: format!("{prefix}.name"),
                        message: format!(
                            "\"{}\" is already the name of schedule[{first}]",
                            schedule.name
                        ),
                    });
                }
                schedules.push(schedule);
            }
            Err(errors) => problems.extend(errors.into_iter().map(|e| FieldError {
                field: if e.field.is_empty() {
                    prefix.clone()
                } else {
                    format!("{prefix}.{}", e.field)
                },
                message: e.message,
            })),
        }
    }
    if problems.is_empty() {
        Ok(schedules)
    } else {
        Err(invalid(problems))
    }
}

fn render(problems: &[FieldError]) -> String {
    let rendered: Vec<String> = problems.iter().map(FieldError::to_string).collect();
    rendered.join("; ")
}

#[cfg(test)]
mod tests;
