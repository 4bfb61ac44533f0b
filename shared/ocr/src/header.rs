//! The form header: which form, when, and which polling unit.

use tally_core::extraction::{Count, FormInfo, FormType};

use super::labels::{Chars, best_line};
use super::numbers::{read_digits, thai_letters};
use super::tsv::Line;

/// Thai month names, January first.
const MONTHS: [&str; 12] = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
];
/// Buddhist Era minus Common Era.
const BE_OFFSET: i64 = 543;

const UNIT: &str = "หน่วยเลือกตั้งที่";
const VILLAGE: &str = "หมู่ที่";
const SUB_DISTRICT: &str = "ตำบล/แขวง";
const DISTRICT: &str = "อำเภอ/เขต";
const CONSTITUENCY: &str = "เขตเลือกตั้งที่";
const PROVINCE: &str = "จังหวัด";

/// Whether a page starts a form (it has the polling-unit line of a header).
pub fn starts_form(lines: &[Line]) -> bool {
    best_line(lines, UNIT).is_some_and(|(_, found)| found.edits <= 2)
}

/// The lines of the header: everything above section 1.
pub fn header_lines(lines: &[Line]) -> &[Line] {
    let end = lines
        .iter()
        .position(|line| Chars::of(line).find("ผู้มีสิทธิเลือกตั้งและผู้มาแสดงตน").is_some())
        .unwrap_or(lines.len());
    &lines[..end]
}

/// The form info read from a first page's header lines.
pub fn read(lines: &[Line]) -> FormInfo {
    let header = header_lines(lines);
    let value = |label: &str, until: &[&str]| {
        best_line(header, label).and_then(|(line, _)| Chars::of(line).after(label, until))
    };
    FormInfo {
        form_type: form_type(header),
        date: best_line(header, "วันที่").and_then(|(line, _)| date(&Chars::of(line))),
        province: value(PROVINCE, &[])
            .map(|v| thai_letters(&v))
            .unwrap_or_default(),
        district: value(DISTRICT, &[CONSTITUENCY])
            .map(|v| thai_letters(&v))
            .unwrap_or_default(),
        sub_district: value(SUB_DISTRICT, &[DISTRICT])
            .map(|v| thai_letters(&v))
            .filter(|v| !v.is_empty()),
        constituency_number: value(CONSTITUENCY, &[PROVINCE])
            .and_then(|v| read_digits(&v))
            .map(Count),
        polling_station_number: Count(
            value(UNIT, &[VILLAGE, SUB_DISTRICT])
                .and_then(|v| read_digits(&v))
                .unwrap_or(0),
        ),
    }
}

/// Party-list forms say so in the title ("แบบบัญชีรายชื่อ") and the form number
/// ("ส.ส. ๕/๑๘ (บช)"); every other form is a constituency form.
fn form_type(header: &[Line]) -> FormType {
    let party_list = header.iter().any(|line| {
        let chars = Chars::of(line);
        line.text.contains("บช") || chars.find("แบบบัญชีรายชื่อ").is_some_and(|f| f.edits <= 1)
    });
    if party_list {
        FormType::PartyList
    } else {
        FormType::Constituency
    }
}

/// "วันที่ ๘ เดือน กุมภาพันธ์ พ.ศ. ๒๕๖๙" → 2026-02-08; `None` unless all three read.
fn date(line: &Chars) -> Option<String> {
    let day = read_digits(&line.after("วันที่", &["เดือน"])?)?;
    let month_text = thai_letters(&line.after("เดือน", &["พ.ศ"])?);
    let month = closest_month(&month_text)?;
    let year = read_digits(&line.after("พ.ศ", &[])?)? as i64 - BE_OFFSET;
    ((1..=31).contains(&day) && (1900..=2200).contains(&year))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// The month whose name is within a quarter of its letters of `text`.
fn closest_month(text: &str) -> Option<usize> {
    let chars: Vec<char> = text.chars().collect();
    MONTHS
        .iter()
        .enumerate()
        .filter_map(|(i, name)| super::fuzzy::find(&chars, name).map(|f| (i + 1, f.edits)))
        .min_by_key(|(_, edits)| *edits)
        .map(|(month, _)| month)
}
