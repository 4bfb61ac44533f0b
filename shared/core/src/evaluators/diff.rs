//! Per-field differences between the expected and the actual reports of a record, as
//! the UI and reports show them: `PartyList.ballot_statistics.good_ballots`,
//! `Constituency.vote_results[number=3].vote_count`, a missing or extra report or row.
//!
//! The walk follows the Gemini response schema of a report, so it covers every field
//! the model is asked for, in form order, and a new field is diffed without a change
//! here. A missing optional field and `null` are the same. Vote rows pair by `number`.
//!
//! `diff_by_position` names the same differences by their place in the expected
//! reports instead (`reports[0].vote_results[2].vote_count`), the paths the live
//! consistency check gives and the workbench's form fields carry.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::matching::match_reports;
use crate::extraction::{GeminiSchema, Report};

/// The key that identifies a row of a results table.
const ROW_KEY: &str = "number";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    /// A field read differently (`null` when one side left it out).
    Changed {
        path: String,
        expected: Value,
        actual: Value,
    },
    /// An expected form type with no report in the answer.
    MissingReport { path: String },
    /// A report of a form type the record does not have (or a second one).
    ExtraReport { path: String },
    /// An expected results row with no row of that number in the answer.
    MissingRow { path: String, expected: Value },
    /// A results row of a number the form does not have (or a repeated one).
    ExtraRow { path: String, actual: Value },
}

impl Difference {
    pub fn path(&self) -> &str {
        match self {
            Difference::Changed { path, .. }
            | Difference::MissingReport { path }
            | Difference::ExtraReport { path }
            | Difference::MissingRow { path, .. }
            | Difference::ExtraRow { path, .. } => path,
        }
    }
}

/// How a difference names its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// By form type and row number: `Constituency.vote_results[number=3].vote_count`.
    FormType,
    /// By index in the expected reports and rows: `reports[0].vote_results[2].vote_count`.
    Position,
}

/// Every difference of `actual` from `expected`; empty when they agree.
pub fn diff(expected: &[Report], actual: &[Report]) -> Vec<Difference> {
    differences(expected, actual, Naming::FormType)
}

/// `diff`, each path naming its place in `expected` as the consistency check names
/// fields: `reports[i].ballot_statistics.good_ballots`,
/// `reports[i].vote_results[j].vote_count`, `reports[i]` for a report `actual` lacks
/// and `reports[i].vote_results[j]` for such a row. What only `actual` has has no
/// place in `expected`: a row is named by its table (`reports[i].vote_results`), a
/// report by the list (`reports`).
pub fn diff_by_position(expected: &[Report], actual: &[Report]) -> Vec<Difference> {
    differences(expected, actual, Naming::Position)
}

fn differences(expected: &[Report], actual: &[Report], naming: Naming) -> Vec<Difference> {
    let schema = Report::gemini_schema();
    let mut differences = Vec::new();
    for slot in match_reports(expected, actual) {
        let path = match (naming, slot.expected) {
            (Naming::FormType, _) => slot.label(),
            (Naming::Position, Some(report)) => {
                // Slots borrow from `expected`, so the report is one of its elements.
                let index = expected
                    .iter()
                    .position(|r| std::ptr::eq(r, report))
                    .unwrap_or_default();
                format!("reports[{index}]")
            }
            (Naming::Position, None) => "reports".to_string(),
        };
        match (slot.expected, slot.actual) {
            (Some(expected), Some(actual)) => {
                walk(
                    &schema,
                    &as_json(expected),
                    &as_json(actual),
                    &path,
                    naming,
                    &mut differences,
                );
            }
            (Some(_), None) => differences.push(Difference::MissingReport { path }),
            (None, Some(_)) => differences.push(Difference::ExtraReport { path }),
            (None, None) => {}
        }
    }
    differences
}

fn as_json(report: &Report) -> Value {
    // Cannot fail: every map key of a report is a field name and every value plain
    // data; a `null` here would only show up as differences, never hide one.
    serde_json::to_value(report).unwrap_or(Value::Null)
}

fn walk(
    schema: &Value,
    expected: &Value,
    actual: &Value,
    path: &str,
    naming: Naming,
    out: &mut Vec<Difference>,
) {
    match schema["type"].as_str() {
        Some("OBJECT") => {
            let fields = schema["propertyOrdering"].as_array().into_iter().flatten();
            for field in fields.filter_map(Value::as_str) {
                walk(
                    &schema["properties"][field],
                    field_of(expected, field),
                    field_of(actual, field),
                    &format!("{path}.{field}"),
                    naming,
                    out,
                );
            }
        }
        Some("ARRAY") if schema["items"]["properties"].get(ROW_KEY).is_some() => {
            let (expected, actual) = (rows(expected), rows(actual));
            walk_rows(&schema["items"], expected, actual, path, naming, out);
        }
        _ if expected != actual => out.push(Difference::Changed {
            path: path.to_string(),
            expected: expected.clone(),
            actual: actual.clone(),
        }),
        _ => {}
    }
}

/// Pairs rows by their number, each actual row at most once.
fn walk_rows(
    item_schema: &Value,
    expected: &[Value],
    actual: &[Value],
    path: &str,
    naming: Naming,
    out: &mut Vec<Difference>,
) {
    let mut unmatched: Vec<Option<&Value>> = actual.iter().map(Some).collect();
    for (index, expected_row) in expected.iter().enumerate() {
        let row_path = match naming {
            Naming::FormType => format!("{path}[{ROW_KEY}={}]", expected_row[ROW_KEY]),
            Naming::Position => format!("{path}[{index}]"),
        };
        let partner = unmatched
            .iter_mut()
            .find(|row| (**row).is_some_and(|row| row[ROW_KEY] == expected_row[ROW_KEY]))
            .and_then(Option::take);
        match partner {
            Some(actual_row) => walk(
                item_schema,
                expected_row,
                actual_row,
                &row_path,
                naming,
                out,
            ),
            None => out.push(Difference::MissingRow {
                path: row_path,
                expected: expected_row.clone(),
            }),
        }
    }
    for actual_row in unmatched.into_iter().flatten() {
        out.push(Difference::ExtraRow {
            path: match naming {
                Naming::FormType => format!("{path}[{ROW_KEY}={}]", actual_row[ROW_KEY]),
                Naming::Position => path.to_string(),
            },
            actual: actual_row.clone(),
        });
    }
}

/// A field of an object; absent, `null` or a parent that is itself `null` read as `null`.
fn field_of<'a>(object: &'a Value, field: &str) -> &'a Value {
    object.get(field).unwrap_or(&Value::Null)
}

fn rows(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(value: Value) -> Report {
        serde_json::from_value(value).expect("fixture parses")
    }

    fn constituency(voters: Value, rows: Value) -> Report {
        report(json!({
            "form_info": {"form_type": "Constituency", "province": "ขอนแก่น", "district": "เมือง",
                          "polling_station_number": 3},
            "voter_statistics": voters,
            "ballot_statistics": {"good_ballots": 10},
            "vote_results": rows
        }))
    }

    #[test]
    fn lists_field_row_and_report_differences_in_form_order() {
        let expected = [constituency(
            json!({"eligible_voters": 100, "voters_present": 60}),
            json!([{"number": 1, "vote_count": 6, "candidate_name": "ก"}, {"number": 2, "vote_count": 4}]),
        )];
        let mut misread = constituency(
            json!(null),
            json!([{"number": 2, "vote_count": 4}, {"number": 1, "vote_count": 9, "candidate_name": "ข"},
                   {"number": 7, "vote_count": 1}, {"number": 2, "vote_count": 4}]),
        );
        misread.form_info.district = "เมืองขอนแก่น".into();
        let party_list = report(json!({
            "form_info": {"form_type": "PartyList", "province": "ขอนแก่น", "district": "เมือง",
                          "polling_station_number": 3},
            "ballot_statistics": {}, "vote_results": []
        }));
        let differences = diff(&expected, &[party_list, misread]);
        let paths: Vec<&str> = differences.iter().map(Difference::path).collect();
        assert_eq!(
            paths,
            [
                "Constituency.form_info.district",
                "Constituency.voter_statistics.eligible_voters",
                "Constituency.voter_statistics.voters_present",
                "Constituency.vote_results[number=1].candidate_name",
                "Constituency.vote_results[number=1].vote_count",
                "Constituency.vote_results[number=7]",
                "Constituency.vote_results[number=2]",
                "PartyList",
            ]
        );
        assert_eq!(
            differences[1],
            Difference::Changed {
                path: "Constituency.voter_statistics.eligible_voters".into(),
                expected: json!(100),
                actual: Value::Null,
            }
        );
        assert_eq!(
            differences[6],
            Difference::ExtraRow {
                path: "Constituency.vote_results[number=2]".into(),
                actual: json!({"number": 2, "vote_count": 4}),
            }
        );
    }

    #[test]
    fn by_position_names_places_in_the_expected_reports_as_the_check_does() {
        let party_list = report(json!({
            "form_info": {"form_type": "PartyList", "province": "ขอนแก่น", "district": "เมือง",
                          "polling_station_number": 3},
            "ballot_statistics": {}, "vote_results": []
        }));
        // The Constituency report is second in the expected reports, its rows 1 and 2.
        let expected = [
            party_list,
            constituency(
                json!({"eligible_voters": 100}),
                json!([{"number": 1, "vote_count": 6}, {"number": 2, "vote_count": 4}]),
            ),
        ];
        let misread = constituency(
            json!({"eligible_voters": 101}),
            json!([{"number": 2, "vote_count": 5}, {"number": 9, "vote_count": 1}]),
        );
        let differences = diff_by_position(&expected, std::slice::from_ref(&misread));
        let paths: Vec<&str> = differences.iter().map(Difference::path).collect();
        assert_eq!(
            paths,
            [
                "reports[1].voter_statistics.eligible_voters",
                "reports[1].vote_results[0]",
                "reports[1].vote_results[1].vote_count",
                "reports[1].vote_results",
                "reports[0]",
            ]
        );
        // A report only the other side has is named by the list.
        let both = [misread.clone(), expected[0].clone()];
        let extra = diff_by_position(std::slice::from_ref(&misread), &both);
        assert_eq!(
            extra,
            [Difference::ExtraReport {
                path: "reports".into()
            }]
        );
    }

    #[test]
    fn serialises_with_a_kind_tag_for_the_ui() {
        let difference = Difference::Changed {
            path: "PartyList.ballot_statistics.good_ballots".into(),
            expected: json!(465),
            actual: json!(456),
        };
        let json = serde_json::to_value(&difference).unwrap();
        assert_eq!(
            json,
            json!({"kind": "changed", "path": "PartyList.ballot_statistics.good_ballots",
                   "expected": 465, "actual": 456})
        );
        assert_eq!(
            serde_json::from_value::<Difference>(json).unwrap(),
            difference
        );
        let missing = serde_json::to_value(Difference::MissingReport {
            path: "PartyList".into(),
        })
        .unwrap();
        assert_eq!(
            missing,
            json!({"kind": "missing_report", "path": "PartyList"})
        );
    }
}
