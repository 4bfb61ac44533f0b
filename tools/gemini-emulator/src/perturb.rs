//! The seeded per-model error profile: turns a record's ground truth into the
//! answer a model of that quality would give. Same seed → same mistakes.

use serde_json::{Value, json};

use crate::config::ErrorProfile;
use crate::rng::SeededRng;

/// What the model produced before output limits apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Draft {
    /// Answer text (valid JSON unless `malformed_json` struck).
    Text(String),
    /// The model ran out of output tokens before answering.
    MaxTokens,
}

pub fn draft(expected: &Value, profile: &ErrorProfile, rng: &mut SeededRng) -> Draft {
    if rng.chance(profile.max_tokens) {
        return Draft::MaxTokens;
    }
    let mut answer = expected.clone();
    for report in answer.as_array_mut().into_iter().flatten() {
        perturb_report(report, profile, rng);
    }
    let text = answer.to_string();
    if rng.chance(profile.malformed_json) {
        return Draft::Text(truncate(&text, rng));
    }
    Draft::Text(text)
}

/// The answer for pages the emulator has no record of: one report, nothing filled in.
pub fn blank_answer() -> Value {
    json!([{
        "form_info": {"form_type": "Constituency", "province": "", "district": "", "polling_station_number": 0},
        "voter_statistics": null,
        "ballot_statistics": {},
        "vote_results": []
    }])
}

fn perturb_report(report: &mut Value, profile: &ErrorProfile, rng: &mut SeededRng) {
    if rng.chance(profile.wrong_header_field)
        && let Some(info) = report.get_mut("form_info").and_then(Value::as_object_mut)
    {
        let numeric: Vec<String> = ["polling_station_number", "constituency_number"]
            .iter()
            .filter(|k| info.get(**k).is_some_and(Value::is_u64))
            .map(|k| k.to_string())
            .collect();
        if !numeric.is_empty() {
            let key = &numeric[rng.below(numeric.len())];
            let value = info[key].as_u64().unwrap_or(0);
            info[key] = json!(value + 1);
        }
    }
    if let Some(rows) = report.get_mut("vote_results").and_then(Value::as_array_mut) {
        if !rows.is_empty() && rng.chance(profile.drop_vote_row) {
            rows.remove(rng.below(rows.len()));
        }
        if !rows.is_empty() && rng.chance(profile.duplicate_vote_row) {
            let at = rng.below(rows.len());
            let copy = rows[at].clone();
            rows.insert(at + 1, copy);
        }
        for row in rows.iter_mut() {
            slip_field(row, "vote_count", profile.digit_slip, rng);
        }
    }
    for section in ["ballot_statistics", "voter_statistics"] {
        if let Some(Value::Object(fields)) = report.get_mut(section) {
            let keys: Vec<String> = fields.keys().cloned().collect();
            for key in keys {
                if let Some(container) = report.get_mut(section) {
                    slip_field(container, &key, profile.digit_slip, rng);
                }
            }
        }
    }
}

/// With probability `p`, one digit of the count at `key` is misread.
fn slip_field(container: &mut Value, key: &str, p: f64, rng: &mut SeededRng) {
    let Some(count) = container.get(key).and_then(Value::as_u64) else {
        return;
    };
    if rng.chance(p) {
        container[key] = json!(slip_digit(count, rng));
    }
}

fn slip_digit(count: u64, rng: &mut SeededRng) -> u64 {
    let mut digits: Vec<u8> = count.to_string().into_bytes();
    let at = rng.below(digits.len());
    let old = digits[at] - b'0';
    let new = (old + 1 + rng.below(9) as u8) % 10;
    digits[at] = b'0' + new;
    String::from_utf8_lossy(&digits)
        .parse()
        .unwrap_or(count + 1)
}

/// Cuts the JSON somewhere in its second half: unparsable, like a model that lost
/// track of its brackets.
fn truncate(text: &str, rng: &mut SeededRng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let keep = chars.len() / 2
        + rng
            .below(chars.len() / 2)
            .min(chars.len().saturating_sub(2));
    chars[..keep.max(1)].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected() -> Value {
        json!([{"form_info": {"form_type": "Constituency", "province": "p", "district": "d",
                              "polling_station_number": 4, "constituency_number": 31},
                "voter_statistics": {"eligible_voters": 812, "voters_present": 489},
                "ballot_statistics": {"good_ballots": 470, "bad_ballots": 12, "no_vote_ballots": 7},
                "vote_results": [{"number": 1, "vote_count": 300}, {"number": 2, "vote_count": 170}]}])
    }

    #[test]
    fn a_perfect_profile_returns_the_ground_truth() {
        let draft = draft(
            &expected(),
            &ErrorProfile::default(),
            &mut SeededRng::from_u64(1),
        );
        assert_eq!(draft, Draft::Text(expected().to_string()));
    }

    #[test]
    fn each_kind_of_mistake_happens_when_certain() {
        let always = |f: fn(&mut ErrorProfile)| {
            let mut profile = ErrorProfile::default();
            f(&mut profile);
            draft(&expected(), &profile, &mut SeededRng::from_u64(9))
        };
        let as_json = |d: Draft| match d {
            Draft::Text(t) => serde_json::from_str::<Value>(&t).ok(),
            Draft::MaxTokens => None,
        };
        assert_eq!(always(|p| p.max_tokens = 1.0), Draft::MaxTokens);
        assert!(as_json(always(|p| p.malformed_json = 1.0)).is_none());
        let dropped = as_json(always(|p| p.drop_vote_row = 1.0)).unwrap();
        assert_eq!(dropped[0]["vote_results"].as_array().unwrap().len(), 1);
        let duplicated = as_json(always(|p| p.duplicate_vote_row = 1.0)).unwrap();
        assert_eq!(duplicated[0]["vote_results"].as_array().unwrap().len(), 3);
        let header = as_json(always(|p| p.wrong_header_field = 1.0)).unwrap();
        assert_ne!(header[0]["form_info"], expected()[0]["form_info"]);
        let slipped = as_json(always(|p| p.digit_slip = 1.0)).unwrap();
        assert_ne!(slipped[0]["ballot_statistics"]["good_ballots"], 470);
        assert_eq!(
            slipped[0]["form_info"],
            expected()[0]["form_info"],
            "only counts slip"
        );
    }

    #[test]
    fn a_slipped_digit_changes_exactly_one_digit() {
        let mut rng = SeededRng::from_u64(3);
        for _ in 0..200 {
            let slipped = slip_digit(4705, &mut rng);
            assert_ne!(slipped, 4705);
            let differing = format!("{slipped:04}")
                .chars()
                .zip("4705".chars())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(differing, 1, "{slipped}");
        }
    }
}
