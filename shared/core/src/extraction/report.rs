//! The reports of Form ส.ส. 5/18 as the extractor returns them (`forms.md`).
//!
//! Optional fields (`Option<…>`) may be missing or null in model output; the others
//! are required by the response schema and by parsing alike.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::count::Count;
use super::schema::{GeminiSchema, object_schema};

/// Declares a report struct and its Gemini schema from one list of fields.
macro_rules! report_object {
    ($(#[$meta:meta])* pub struct $name:ident { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)? }) => {
        $(#[$meta])*
        pub struct $name { $( $(#[$fmeta])* pub $field: $ty ),* }

        impl GeminiSchema for $name {
            fn gemini_schema() -> Value {
                object_schema(&[ $( (
                    stringify!($field),
                    <$ty as GeminiSchema>::gemini_schema(),
                    <$ty as GeminiSchema>::OPTIONAL,
                ) ),* ])
            }
        }
    };
}

/// Which of the two forms a report reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FormType {
    Constituency,
    PartyList,
}

impl FormType {
    pub const ALL: [FormType; 2] = [FormType::Constituency, FormType::PartyList];

    pub fn as_str(self) -> &'static str {
        match self {
            FormType::Constituency => "Constituency",
            FormType::PartyList => "PartyList",
        }
    }
}

impl GeminiSchema for FormType {
    fn gemini_schema() -> Value {
        json!({"type": "STRING", "enum": FormType::ALL.map(FormType::as_str)})
    }
}

report_object! {
    /// The header of a form: which unit, where, when.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct FormInfo {
        pub form_type: FormType,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub date: Option<String>,
        pub province: String,
        pub district: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sub_district: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub constituency_number: Option<Count>,
        pub polling_station_number: Count,
    }
}

report_object! {
    /// Section 1: voters on the roll and voters who came.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct VoterStatistics {
        #[serde(default)]
        pub eligible_voters: Option<Count>,
        #[serde(default)]
        pub voters_present: Option<Count>,
    }
}

report_object! {
    /// Section 2: the ballot accounting.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct BallotStatistics {
        #[serde(default)]
        pub ballots_allocated: Option<Count>,
        #[serde(default)]
        pub ballots_used: Option<Count>,
        #[serde(default)]
        pub good_ballots: Option<Count>,
        #[serde(default)]
        pub bad_ballots: Option<Count>,
        #[serde(default)]
        pub no_vote_ballots: Option<Count>,
        #[serde(default)]
        pub ballots_remaining: Option<Count>,
    }
}

impl BallotStatistics {
    /// The six fields in form order, with their names (for scoring and diffs).
    pub fn fields(&self) -> [(&'static str, Option<Count>); 6] {
        [
            ("ballots_allocated", self.ballots_allocated),
            ("ballots_used", self.ballots_used),
            ("good_ballots", self.good_ballots),
            ("bad_ballots", self.bad_ballots),
            ("no_vote_ballots", self.no_vote_ballots),
            ("ballots_remaining", self.ballots_remaining),
        ]
    }
}

report_object! {
    /// One row of the results table: a candidate (constituency) or a party (party list).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct VoteResult {
        pub number: Count,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub candidate_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub party_name: Option<String>,
        #[serde(default)]
        pub vote_count: Option<Count>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub vote_count_text: Option<String>,
    }
}

report_object! {
    /// One form of a polling unit, as read.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Report {
        pub form_info: FormInfo,
        #[serde(default)]
        pub voter_statistics: Option<VoterStatistics>,
        pub ballot_statistics: BallotStatistics,
        pub vote_results: Vec<VoteResult>,
    }
}

impl Report {
    pub fn form_type(&self) -> FormType {
        self.form_info.form_type
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A report with every field present, in the shape the model is asked for.
    pub(crate) fn full_report_json() -> Value {
        json!({
            "form_info": {
                "form_type": "Constituency", "date": "2026-02-08", "province": "กรุงเทพมหานคร",
                "district": "บางพลัด", "sub_district": "บางบำหรุ",
                "constituency_number": 31, "polling_station_number": 4
            },
            "voter_statistics": {"eligible_voters": 812, "voters_present": 489},
            "ballot_statistics": {
                "ballots_allocated": 820, "ballots_used": 489, "good_ballots": 470,
                "bad_ballots": 12, "no_vote_ballots": 7, "ballots_remaining": 331
            },
            "vote_results": [{
                "number": 1, "candidate_name": "สมชาย ใจดี", "party_name": "พรรคตัวอย่าง",
                "vote_count": 470, "vote_count_text": "สี่ร้อยเจ็ดสิบ"
            }]
        })
    }

    #[test]
    fn full_report_round_trips_with_the_same_field_names() {
        let json = full_report_json();
        let report: Report = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&report).unwrap(), json);
    }

    #[test]
    fn optional_fields_may_be_missing_or_null() {
        let report: Report = serde_json::from_value(json!({
            "form_info": {"form_type": "PartyList", "province": "x", "district": "y",
                          "polling_station_number": "๔", "date": null},
            "ballot_statistics": {"good_ballots": "1,020", "bad_ballots": null},
            "vote_results": [{"number": "1"}]
        }))
        .unwrap();
        assert_eq!(report.form_type(), FormType::PartyList);
        assert_eq!(report.form_info.polling_station_number, Count(4));
        assert_eq!(report.ballot_statistics.good_ballots, Some(Count(1020)));
        assert_eq!(report.ballot_statistics.bad_ballots, None);
        assert_eq!(report.voter_statistics, None);
        assert_eq!(report.vote_results[0].vote_count, None);
    }
}
