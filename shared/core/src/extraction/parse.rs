//! Raw model text → reports.
//!
//! Tolerant where models are sloppy in harmless ways (a Markdown code fence around the
//! JSON, numbers as strings, missing optional fields); precise where the answer is
//! really wrong: the error says what was expected and where (`[1].ballot_statistics.
//! good_ballots: "12a" is not a count`).

use serde_json::Value;

use super::report::Report;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractionError {
    #[error("the answer is empty")]
    Empty,
    #[error("the answer is not valid JSON: {0}")]
    NotJson(String),
    #[error("the answer must be a JSON list of reports, got {0}")]
    NotAList(&'static str),
    #[error("report {path}: {message}")]
    BadReport { path: String, message: String },
}

/// Parses a model's answer into its list of reports.
pub fn parse_reports(text: &str) -> Result<Vec<Report>, ExtractionError> {
    let body = strip_code_fence(text.trim());
    if body.is_empty() {
        return Err(ExtractionError::Empty);
    }
    // Straight into the types: no `Value` tree for the usual, well-formed answer. Only
    // an answer that does not read that way takes the slower path, which says why.
    if let Ok(reports) = serde_json::from_str::<Vec<Report>>(body) {
        return Ok(reports);
    }
    let value: Value =
        serde_json::from_str(body).map_err(|e| ExtractionError::NotJson(e.to_string()))?;
    parse_report_value(value)
}

/// Parses an already-decoded JSON value (e.g. a dataset's `expected_output`).
pub fn parse_report_value(value: Value) -> Result<Vec<Report>, ExtractionError> {
    if !value.is_array() {
        return Err(ExtractionError::NotAList(json_kind(&value)));
    }
    serde_path_to_error::deserialize::<_, Vec<Report>>(value).map_err(|e| {
        ExtractionError::BadReport {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        }
    })
}

fn strip_code_fence(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("```") else {
        return text;
    };
    // Drop the info string (`json`) on the opening line and the closing fence.
    let rest = rest.split_once('\n').map_or("", |(_, body)| body);
    rest.trim_end().strip_suffix("```").unwrap_or(rest).trim()
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extraction::{Count, FormType};

    const TWO_REPORTS: &str = r#"[
      {"form_info": {"form_type": "Constituency", "province": "p", "district": "d",
                     "polling_station_number": 1},
       "ballot_statistics": {"good_ballots": 10}, "vote_results": []},
      {"form_info": {"form_type": "PartyList", "province": "p", "district": "d",
                     "polling_station_number": 1},
       "ballot_statistics": {}, "vote_results": [{"number": 3, "vote_count": "๑๐"}]}
    ]"#;

    #[test]
    fn parses_a_list_of_reports() {
        let reports = parse_reports(TWO_REPORTS).unwrap();
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[1].form_type(), FormType::PartyList);
        assert_eq!(reports[1].vote_results[0].vote_count, Some(Count(10)));
    }

    #[test]
    fn accepts_a_markdown_code_fence() {
        let fenced = format!("```json\n{TWO_REPORTS}\n```");
        assert_eq!(parse_reports(&fenced).unwrap().len(), 2);
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value() {
        // The typed reading refuses a repeated field; the answer is still read, as a
        // JSON object reads, with the last value.
        let twice = TWO_REPORTS.replace(
            "\"good_ballots\": 10",
            "\"good_ballots\": 9, \"good_ballots\": 10",
        );
        assert_ne!(twice, TWO_REPORTS);
        assert_eq!(parse_reports(&twice), parse_reports(TWO_REPORTS));
        assert_eq!(
            parse_reports(&twice).unwrap()[0]
                .ballot_statistics
                .good_ballots,
            Some(Count(10))
        );
    }

    #[test]
    fn says_precisely_what_is_wrong() {
        assert_eq!(parse_reports("  "), Err(ExtractionError::Empty));
        assert!(matches!(
            parse_reports("[{"),
            Err(ExtractionError::NotJson(_))
        ));
        assert_eq!(
            parse_reports(r#"{"form_info": {}}"#),
            Err(ExtractionError::NotAList("an object"))
        );
        let bad = TWO_REPORTS.replace("\"good_ballots\": 10", "\"good_ballots\": \"1O\"");
        let err = parse_reports(&bad).unwrap_err().to_string();
        assert_eq!(
            err,
            "report [0].ballot_statistics.good_ballots: \"1O\" is not a count"
        );
        let missing = TWO_REPORTS.replace("\"province\": \"p\", ", "");
        let err = parse_reports(&missing).unwrap_err().to_string();
        assert!(
            err.starts_with("report [0].form_info: missing field `province`"),
            "{err}"
        );
        let wrong_type = TWO_REPORTS.replace("\"Constituency\"", "\"Mayor\"");
        let err = parse_reports(&wrong_type).unwrap_err().to_string();
        assert!(
            err.starts_with("report [0].form_info.form_type: unknown variant `Mayor`"),
            "{err}"
        );
    }
}
