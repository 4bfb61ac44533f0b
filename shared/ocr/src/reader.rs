//! The pages of one record as Tesseract read them → the reports, in the schema a
//! Gemini model answers with, and which reading decided each number.

use std::collections::BTreeMap;

use tally_core::extraction::{
    BallotStatistics, Count, FormType, Report, VoteResult, VoterStatistics,
};

use super::arithmetic::{decide_fields, decide_votes};
use super::ballots::{self, FIELDS};
use super::header;
use super::numbers::Source;
use super::tsv::{Line, PageText};
use super::votes;

/// The reports of a record and, per number, the reading that decided it (paths such
/// as `Constituency.ballot_statistics.good_ballots`).
#[derive(Debug, Clone, PartialEq)]
pub struct FormsRead {
    pub reports: Vec<Report>,
    pub sources: BTreeMap<String, Source>,
}

/// Reads every form of the record: a page with a header starts a form, the pages
/// after it (the table's continuation) belong to it.
pub fn read_forms(pages: &[PageText]) -> FormsRead {
    let mut forms: Vec<Vec<&[Line]>> = Vec::new();
    for page in pages {
        match forms.last_mut() {
            Some(form) if !header::starts_form(&page.lines) => form.push(&page.lines),
            _ => forms.push(vec![&page.lines]),
        }
    }
    let mut sources = BTreeMap::new();
    let reports = forms
        .iter()
        .map(|form| read_form(form, &mut sources))
        .collect();
    FormsRead { reports, sources }
}

fn read_form(pages: &[&[Line]], sources: &mut BTreeMap<String, Source>) -> Report {
    let first = pages.first().copied().unwrap_or_default();
    let form_info = header::read(first);
    let prefix = form_info.form_type.as_str();
    let mut rows = votes::read(pages);
    if form_info.form_type == FormType::PartyList {
        // The party-list table has no candidate column: text before the party is noise.
        rows.iter_mut().for_each(|row| row.name = None);
    }
    let row_readings: Vec<_> = rows.iter().map(|r| r.votes).collect();
    let readings = ballots::read(first);

    // The vote sum helps the ballot fields only when every row settled by itself;
    // the good-ballot count then settles the rows that did not.
    let settled_sum: Option<u64> = row_readings
        .iter()
        .map(|r| r.settled().map(|(v, _)| v))
        .sum();
    let fields = decide_fields(&readings, settled_sum.filter(|_| !rows.is_empty()));
    let value = |field: ballots::Field| {
        let slot = FIELDS.iter().position(|(f, _)| *f == field)?;
        fields[slot].map(|(v, _)| Count(v))
    };
    for ((field, _), decided) in FIELDS.iter().zip(&fields) {
        if let Some((_, source)) = decided {
            sources.insert(format!("{prefix}.{}", field.path()), *source);
        }
    }
    let votes = decide_votes(&row_readings, value(ballots::Field::Good).map(Count::get));

    let mut vote_results = Vec::new();
    for (index, (row, decided)) in rows.into_iter().zip(votes).enumerate() {
        if let Some((_, source)) = decided {
            sources.insert(format!("{prefix}.vote_results[{index}].vote_count"), source);
        }
        vote_results.push(VoteResult {
            number: Count(row.number),
            candidate_name: row.name,
            party_name: row.party,
            vote_count: decided.map(|(v, _)| Count(v)),
            vote_count_text: row.words,
        });
    }
    Report {
        form_info,
        voter_statistics: Some(VoterStatistics {
            eligible_voters: value(ballots::Field::Eligible),
            voters_present: value(ballots::Field::Present),
        }),
        ballot_statistics: BallotStatistics {
            ballots_allocated: value(ballots::Field::Allocated),
            ballots_used: value(ballots::Field::Used),
            good_ballots: value(ballots::Field::Good),
            bad_ballots: value(ballots::Field::Bad),
            no_vote_ballots: value(ballots::Field::NoVote),
            ballots_remaining: value(ballots::Field::Remaining),
        },
        vote_results,
    }
}
