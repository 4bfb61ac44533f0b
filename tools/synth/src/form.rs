//! The page layout of Form ส.ส. 5/18 (constituency) and ส.ส. 5/18 (บช) (party list):
//! title, header, sections 1–2, the results table (continued on further pages when
//! it is long) and the signatures.
//!
//! Printed parts use Thai digits and the Laksaman face; the values filled in by the
//! polling staff are in the handwriting face, in Arabic digits (or Thai digits, for
//! units whose staff write them) with the amount in Thai words in brackets.

use tally_core::extraction::FormType;
use tally_core::thai_words;

use super::dice::Dice;
use super::fonts::Fonts;
use super::svg::{Anchor, Hand, PAGE_HEIGHT, PAGE_WIDTH, SvgPage, TextStyle};
use super::units::{CONSTITUENCY, Contest, DISTRICT, PROVINCE, SUB_DISTRICT, Unit};

type Result<T> = std::result::Result<T, resvg::usvg::Error>;

const LEFT: f32 = 60.0;
const RIGHT: f32 = PAGE_WIDTH - 60.0;
const LINE: f32 = 31.0;
const ROW: f32 = 30.0;
/// Where the figures of sections 1–2 go: digits, unit word, words in brackets.
const DIGITS_X: (f32, f32) = (455.0, 545.0);
const UNIT_X: f32 = 552.0;
const WORDS_X: (f32, f32) = (600.0, RIGHT - 8.0);
const BODY: TextStyle = TextStyle::printed(16.0);
const HAND: f32 = 17.0;
const FOOTER_HEIGHT: f32 = 120.0;
const HEADER_ROW: f32 = 44.0;
const BOTTOM_MARGIN: f32 = 60.0;

/// One column of the results table: its left edge and heading.
struct Column {
    x: f32,
    heading: &'static [&'static str],
}

/// Lays out the pages of one form of `unit`.
pub struct FormLayout<'a> {
    pub fonts: &'a Fonts,
    pub contest: &'a Contest,
    pub unit: &'a Unit,
    pub form_type: FormType,
}

impl FormLayout<'_> {
    /// The SVG of every page of the form, in order. The results table runs on to
    /// further pages when it does not fit; the signatures close the last page.
    pub fn pages(&self, dice: &mut Dice) -> Result<Vec<String>> {
        let rows = self.rows();
        let footer_rows = (FOOTER_HEIGHT / ROW).ceil() as usize;
        let mut pages = Vec::new();
        let mut rest = &rows[..];
        loop {
            let mut page = SvgPage::new();
            let top = if pages.is_empty() {
                self.first_page_top(&mut page, dice)?
            } else {
                self.continued_top(&mut page)
            };
            let capacity = ((PAGE_HEIGHT - BOTTOM_MARGIN - top - HEADER_ROW) / ROW) as usize;
            let last = rest.len() + footer_rows <= capacity;
            // When the rows fit but the signatures do not, the last row moves on with
            // them, so no page holds signatures alone.
            let take = if last {
                rest.len()
            } else {
                rest.len()
                    .min(capacity)
                    .min(rest.len().saturating_sub(1))
                    .max(1)
            };
            let bottom = self.table(&mut page, top, &rest[..take], dice)?;
            rest = &rest[take..];
            if last {
                self.signatures(&mut page, bottom + 40.0, dice);
            }
            pages.push(page);
            if last {
                break;
            }
        }
        let total = pages.len() as u64;
        Ok(pages
            .into_iter()
            .zip(1..)
            .map(|(mut page, number)| {
                let label = format!("หน้า {}/{}", thai_digits(number), thai_digits(total));
                page.text(
                    PAGE_WIDTH / 2.0,
                    PAGE_HEIGHT - 30.0,
                    &label,
                    TextStyle::printed(13.0),
                    Anchor::Middle,
                );
                page.finish()
            })
            .collect())
    }

    fn form_code(&self) -> &'static str {
        match self.form_type {
            FormType::Constituency => "ส.ส. ๕/๑๘",
            FormType::PartyList => "ส.ส. ๕/๑๘ (บช)",
        }
    }

    /// Title, header and sections 1–2; returns where the table starts.
    fn first_page_top(&self, page: &mut SvgPage, dice: &mut Dice) -> Result<f32> {
        let unit = self.unit;
        let count = self.unit.count(self.form_type);
        page.text(
            RIGHT,
            45.0,
            self.form_code(),
            TextStyle::printed_bold(16.0),
            Anchor::End,
        );
        let title = TextStyle::printed_bold(21.0);
        page.text(
            PAGE_WIDTH / 2.0,
            88.0,
            "รายงานผลการนับคะแนนสมาชิกสภาผู้แทนราษฎร",
            title,
            Anchor::Middle,
        );
        let kind = match self.form_type {
            FormType::Constituency => "แบบแบ่งเขตเลือกตั้ง",
            FormType::PartyList => "แบบบัญชีรายชื่อ",
        };
        page.text(PAGE_WIDTH / 2.0, 116.0, kind, title, Anchor::Middle);

        let mut y = 158.0;
        let date_line = [
            Piece::Printed("การเลือกตั้งสมาชิกสภาผู้แทนราษฎร วันที่"),
            Piece::Blank(44.0, self.digits(8)),
            Piece::Printed("เดือน"),
            Piece::Blank(110.0, "กุมภาพันธ์".to_string()),
            Piece::Printed("พ.ศ."),
            Piece::Blank(70.0, self.digits(2569)),
        ];
        let width = self.flow_width(&date_line)?;
        self.flow(page, (PAGE_WIDTH - width) / 2.0, y, &date_line, dice)?;
        y += LINE + 6.0;
        self.flow(
            page,
            LEFT,
            y,
            &[
                Piece::Printed("หน่วยเลือกตั้งที่"),
                Piece::Blank(50.0, self.digits(u64::from(unit.number))),
                Piece::Printed("หมู่ที่"),
                Piece::Blank(40.0, "-".to_string()),
                Piece::Printed("ตำบล/แขวง"),
                Piece::Blank(150.0, SUB_DISTRICT.to_string()),
            ],
            dice,
        )?;
        y += LINE;
        self.flow(
            page,
            LEFT,
            y,
            &[
                Piece::Printed("อำเภอ/เขต"),
                Piece::Blank(120.0, DISTRICT.to_string()),
                Piece::Printed("เขตเลือกตั้งที่"),
                Piece::Blank(44.0, self.digits(CONSTITUENCY)),
                Piece::Printed("จังหวัด"),
                Piece::Blank(150.0, PROVINCE.to_string()),
            ],
            dice,
        )?;

        y += LINE + 12.0;
        page.text(
            LEFT,
            y,
            "๑. ผู้มีสิทธิเลือกตั้งและผู้มาแสดงตน",
            TextStyle::printed_bold(17.0),
            Anchor::Start,
        );
        y += LINE;
        self.figure(
            page,
            y,
            80.0,
            "๑.๑ จำนวนผู้มีสิทธิเลือกตั้งตามบัญชีรายชื่อ",
            unit.eligible,
            "คน",
            dice,
        )?;
        y += LINE;
        self.figure(
            page,
            y,
            80.0,
            "๑.๒ จำนวนผู้มีสิทธิเลือกตั้งที่มาแสดงตน",
            unit.present,
            "คน",
            dice,
        )?;
        y += LINE + 12.0;
        page.text(
            LEFT,
            y,
            "๒. จำนวนบัตรเลือกตั้ง",
            TextStyle::printed_bold(17.0),
            Anchor::Start,
        );
        y += LINE;
        let no_vote_label = match self.form_type {
            FormType::Constituency => "๒.๒.๓ บัตรไม่เลือกผู้สมัครผู้ใด",
            FormType::PartyList => "๒.๒.๓ บัตรไม่เลือกบัญชีรายชื่อของพรรคการเมืองใด",
        };
        let figures: [(f32, &str, u64); 6] = [
            (80.0, "๒.๑ จำนวนบัตรเลือกตั้งที่ได้รับจัดสรร", unit.allocated),
            (80.0, "๒.๒ จำนวนบัตรเลือกตั้งที่ใช้", count.ballots_used),
            (110.0, "๒.๒.๑ บัตรดี", count.good),
            (110.0, "๒.๒.๒ บัตรเสีย", count.bad),
            (110.0, no_vote_label, count.no_vote),
            (80.0, "๒.๓ จำนวนบัตรเลือกตั้งที่เหลือ", count.remaining),
        ];
        for (indent, label, value) in figures {
            self.figure(page, y, indent, label, value, "บัตร", dice)?;
            y += LINE;
        }
        y += 12.0;
        let section_3 = match self.form_type {
            FormType::Constituency => "๓. จำนวนคะแนนที่ผู้สมัครรับเลือกตั้งแต่ละคนได้รับ",
            FormType::PartyList => "๓. จำนวนคะแนนที่พรรคการเมืองแต่ละพรรคได้รับ",
        };
        page.text(
            LEFT,
            y,
            section_3,
            TextStyle::printed_bold(17.0),
            Anchor::Start,
        );
        Ok(y + 12.0)
    }

    fn continued_top(&self, page: &mut SvgPage) -> f32 {
        page.text(
            RIGHT,
            45.0,
            self.form_code(),
            TextStyle::printed_bold(16.0),
            Anchor::End,
        );
        page.text(
            LEFT,
            95.0,
            "๓. จำนวนคะแนน (ต่อ)",
            TextStyle::printed_bold(17.0),
            Anchor::Start,
        );
        107.0
    }

    /// One line of sections 1–2: label, digits, unit word, words in brackets.
    #[allow(clippy::too_many_arguments)]
    fn figure(
        &self,
        page: &mut SvgPage,
        y: f32,
        indent: f32,
        label: &str,
        value: u64,
        unit_word: &str,
        dice: &mut Dice,
    ) -> Result<()> {
        page.text(indent, y, label, BODY, Anchor::Start);
        page.dotted(DIGITS_X.0, DIGITS_X.1, y + 3.0);
        self.handwrite(
            page,
            (DIGITS_X.0 + DIGITS_X.1) / 2.0,
            y,
            &self.digits(value),
            DIGITS_X.1 - DIGITS_X.0,
            Anchor::Middle,
            dice,
        )?;
        page.text(UNIT_X, y, unit_word, BODY, Anchor::Start);
        page.text(WORDS_X.0 - 8.0, y, "(", BODY, Anchor::Start);
        page.dotted(WORDS_X.0, WORDS_X.1, y + 3.0);
        self.handwrite(
            page,
            (WORDS_X.0 + WORDS_X.1) / 2.0,
            y,
            &thai_words::spell(value),
            WORDS_X.1 - WORDS_X.0,
            Anchor::Middle,
            dice,
        )?;
        page.text(WORDS_X.1 + 2.0, y, ")", BODY, Anchor::Start);
        Ok(())
    }

    fn columns(&self) -> Vec<Column> {
        match self.form_type {
            FormType::Constituency => vec![
                Column {
                    x: LEFT,
                    heading: &["หมายเลข"],
                },
                Column {
                    x: LEFT + 62.0,
                    heading: &["ชื่อตัว – ชื่อสกุล", "ผู้สมัคร"],
                },
                Column {
                    x: LEFT + 272.0,
                    heading: &["สังกัดพรรคการเมือง"],
                },
                Column {
                    x: LEFT + 462.0,
                    heading: &["คะแนน", "(ตัวเลข)"],
                },
                Column {
                    x: LEFT + 552.0,
                    heading: &["คะแนน", "(ตัวอักษร)"],
                },
            ],
            FormType::PartyList => vec![
                Column {
                    x: LEFT,
                    heading: &["หมายเลข"],
                },
                Column {
                    x: LEFT + 62.0,
                    heading: &["ชื่อพรรคการเมือง"],
                },
                Column {
                    x: LEFT + 372.0,
                    heading: &["คะแนน", "(ตัวเลข)"],
                },
                Column {
                    x: LEFT + 482.0,
                    heading: &["คะแนน", "(ตัวอักษร)"],
                },
            ],
        }
    }

    fn rows(&self) -> Vec<Row> {
        let votes = &self.unit.count(self.form_type).votes;
        votes
            .iter()
            .enumerate()
            .map(|(i, &votes)| {
                let mut printed = vec![thai_digits(i as u64 + 1)];
                match self.form_type {
                    FormType::Constituency => {
                        let candidate = &self.contest.candidates[i];
                        printed.push(candidate.name.clone());
                        printed.push(candidate.party.to_string());
                    }
                    FormType::PartyList => printed.push(self.contest.parties()[i].to_string()),
                }
                Row { printed, votes }
            })
            .collect()
    }

    /// The table header and `rows`; returns the y of the table's bottom edge.
    fn table(&self, page: &mut SvgPage, top: f32, rows: &[Row], dice: &mut Dice) -> Result<f32> {
        let columns = self.columns();
        let header = TextStyle::printed_bold(14.0);
        page.rect(LEFT, top, RIGHT - LEFT, HEADER_ROW, "#eeeeee");
        for (i, column) in columns.iter().enumerate() {
            let right = columns.get(i + 1).map_or(RIGHT, |c| c.x);
            let first_baseline = if column.heading.len() == 1 {
                top + 27.0
            } else {
                top + 19.0
            };
            for (line, text) in column.heading.iter().enumerate() {
                let y = first_baseline + line as f32 * 17.0;
                page.text((column.x + right) / 2.0, y, text, header, Anchor::Middle);
            }
        }
        let mut y = top + HEADER_ROW;
        let cell = TextStyle::printed(15.0);
        for row in rows {
            let baseline = y + 21.0;
            page.text(
                (columns[0].x + columns[1].x) / 2.0,
                baseline,
                &row.printed[0],
                cell,
                Anchor::Middle,
            );
            for (text, column) in row.printed.iter().zip(&columns).skip(1) {
                page.text(column.x + 6.0, baseline, text, cell, Anchor::Start);
            }
            let digits_column = columns.len() - 2;
            let (digits_left, words_left) =
                (columns[digits_column].x, columns[digits_column + 1].x);
            self.handwrite(
                page,
                (digits_left + words_left) / 2.0,
                baseline,
                &self.digits(row.votes),
                words_left - digits_left - 10.0,
                Anchor::Middle,
                dice,
            )?;
            self.handwrite(
                page,
                words_left + 8.0,
                baseline,
                &thai_words::spell(row.votes),
                RIGHT - words_left - 14.0,
                Anchor::Start,
                dice,
            )?;
            y += ROW;
            page.rule(LEFT, y, RIGHT, y, 0.8);
        }
        for column in columns.iter().skip(1) {
            page.rule(column.x, top, column.x, y, 0.8);
        }
        page.rule(LEFT, top, LEFT, y, 1.0);
        page.rule(RIGHT, top, RIGHT, y, 1.0);
        Ok(y)
    }

    fn signatures(&self, page: &mut SvgPage, top: f32, dice: &mut Dice) {
        let roles = ["ประธานกรรมการประจำหน่วยเลือกตั้ง", "กรรมการประจำหน่วยเลือกตั้ง"];
        for (i, role) in roles.iter().enumerate() {
            let y = top + i as f32 * 44.0;
            page.text(LEFT + 180.0, y, "ลงชื่อ", BODY, Anchor::End);
            page.dotted(LEFT + 188.0, LEFT + 400.0, y + 3.0);
            let surname =
                super::names::SURNAMES[dice.below(super::names::SURNAMES.len() as u64) as usize];
            page.handwritten(
                LEFT + 294.0,
                y - 2.0,
                surname,
                TextStyle::handwritten(19.0),
                Anchor::Middle,
                self.hand(dice),
            );
            page.text(LEFT + 408.0, y, role, BODY, Anchor::Start);
        }
    }

    /// Writes a value by hand, shrinking it when it would overflow its blank.
    #[allow(clippy::too_many_arguments)]
    fn handwrite(
        &self,
        page: &mut SvgPage,
        x: f32,
        y: f32,
        text: &str,
        room: f32,
        anchor: Anchor,
        dice: &mut Dice,
    ) -> Result<()> {
        let mut style = TextStyle::handwritten(HAND);
        let width = self.fonts.text_width(text, style)?;
        if width > room {
            style.size = (HAND * room / width).floor().max(9.0);
        }
        page.handwritten(x, y - 3.0, text, style, anchor, self.hand(dice));
        Ok(())
    }

    fn hand(&self, dice: &mut Dice) -> Hand {
        Hand {
            dx: dice.uniform(-3.0, 3.0) as f32,
            dy: dice.uniform(-2.0, 1.5) as f32,
            slant: dice.uniform(-2.0, 2.0) as f32,
        }
    }

    fn digits(&self, value: u64) -> String {
        if self.unit.thai_digits {
            thai_digits(value)
        } else {
            value.to_string()
        }
    }

    fn flow_width(&self, pieces: &[Piece]) -> Result<f32> {
        let mut width = 0.0;
        for piece in pieces {
            width += match piece {
                Piece::Printed(text) => self.fonts.text_width(text, BODY)?,
                Piece::Blank(room, _) => *room,
            } + GAP;
        }
        Ok(width - GAP)
    }

    /// Lays printed words and fill-in blanks out left to right from `x`.
    fn flow(
        &self,
        page: &mut SvgPage,
        x: f32,
        y: f32,
        pieces: &[Piece],
        dice: &mut Dice,
    ) -> Result<()> {
        let mut x = x;
        for piece in pieces {
            match piece {
                Piece::Printed(text) => {
                    page.text(x, y, text, BODY, Anchor::Start);
                    x += self.fonts.text_width(text, BODY)?;
                }
                Piece::Blank(room, value) => {
                    page.dotted(x, x + room, y + 3.0);
                    self.handwrite(page, x + room / 2.0, y, value, *room, Anchor::Middle, dice)?;
                    x += room;
                }
            }
            x += GAP;
        }
        Ok(())
    }
}

const GAP: f32 = 7.0;

/// A part of a header line: printed words, or a blank of some width with the value
/// written in it.
enum Piece {
    Printed(&'static str),
    Blank(f32, String),
}

/// One row of the results table: printed cells, then the votes written by hand.
struct Row {
    printed: Vec<String>,
    votes: u64,
}

/// `value` in Thai digits (๐–๙), as printed on the form.
pub fn thai_digits(value: u64) -> String {
    value
        .to_string()
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '๐' as u32).unwrap_or(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_digits_map_each_digit() {
        assert_eq!(thai_digits(2569), "๒๕๖๙");
        assert_eq!(thai_digits(0), "๐");
    }
}
