//! Field location and reconciliation on Tesseract's real reading of the sample
//! dataset's unit-01 (three pages: the constituency form, then the party-list form
//! and its continuation page), kept as TSV fixtures so this runs without Tesseract.
//! The fixtures are `tesseract PAGE stdout -l tha --psm 6 tsv` of the pages after
//! `tally_ocr::prepare`.

use tally_core::extraction::{Count, FormType};
use tally_ocr::{Source, parse_tsv, read_forms};

fn unit_01() -> tally_ocr::FormsRead {
    let pages = [
        include_str!("fixtures/unit-01-page-1.tsv"),
        include_str!("fixtures/unit-01-page-2.tsv"),
        include_str!("fixtures/unit-01-page-3.tsv"),
    ];
    read_forms(&pages.map(parse_tsv))
}

fn counts(values: &[u64]) -> Vec<Option<Count>> {
    values.iter().map(|v| Some(Count(*v))).collect()
}

#[test]
fn the_two_forms_are_found_and_the_continuation_page_joins_the_second() {
    let forms = unit_01();
    let types: Vec<FormType> = forms.reports.iter().map(|r| r.form_type()).collect();
    assert_eq!(types, [FormType::Constituency, FormType::PartyList]);
    let party_list = &forms.reports[1];
    // 15 rows on the first page, 5 on the continuation page, numbered down the table.
    let numbers: Vec<u64> = party_list
        .vote_results
        .iter()
        .map(|r| r.number.get())
        .collect();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>());
    assert!(
        party_list
            .vote_results
            .iter()
            .all(|row| row.candidate_name.is_none())
    );
    assert_eq!(
        party_list.vote_results[10].party_name.as_deref(),
        Some("พรรคเสียงประชา")
    );
    assert_eq!(
        forms.reports[0].form_info.constituency_number,
        Some(Count(31))
    );
}

#[test]
fn the_constituency_ballot_fields_are_all_right_though_digits_are_misread() {
    let forms = unit_01();
    let read: Vec<Option<Count>> = forms.reports[0]
        .ballot_statistics
        .fields()
        .iter()
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(read, counts(&[660, 382, 365, 12, 5, 278]));
    let source = |path: &str| forms.sources[&format!("Constituency.ballot_statistics.{path}")];
    // ๖๖๐ was read "2๐": the words (หกร้อยหกสิบ) are kept.
    assert_eq!(source("ballots_allocated"), Source::WordsPreferred);
    // ๒๗๘ was read ๒๓๕: the words make allocated = used + remaining hold.
    assert_eq!(source("ballots_remaining"), Source::ArithmeticWords);
    // The digits of ๑๒ gave no number: the words alone decided.
    assert_eq!(source("bad_ballots"), Source::Words);
}

#[test]
fn vote_rows_take_the_surer_reading_and_the_sum_fills_a_lost_one() {
    let forms = unit_01();
    let constituency = &forms.reports[0];
    let votes: Vec<Option<Count>> = constituency
        .vote_results
        .iter()
        .map(|r| r.vote_count)
        .collect();
    assert_eq!(votes, counts(&[27, 14, 8, 15, 12, 8, 31, 13, 237]));
    // Row 4 read "95๕" (more than all good ballots) and unreadable words: the good
    // ballots minus the other rows.
    assert_eq!(
        forms.sources["Constituency.vote_results[3].vote_count"],
        Source::Derived
    );
    assert_eq!(
        forms.sources["Constituency.vote_results[6].vote_count"],
        Source::Agree
    );
    assert_eq!(
        constituency.vote_results[1].party_name.as_deref(),
        Some("พรรคเกษตรกรรุ่งเรือง")
    );

    let party_list = &forms.reports[1];
    let expected = [
        1, 1, 38, 38, 16, 4, 1, 80, 4, 131, 2, 5, 13, 2, 7, 11, 3, 1, 2, 1,
    ];
    let right = party_list
        .vote_results
        .iter()
        .zip(counts(&expected))
        .filter(|(row, want)| row.vote_count == *want)
        .count();
    assert_eq!(right, 18);
}
