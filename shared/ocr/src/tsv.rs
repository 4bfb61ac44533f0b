//! Tesseract's TSV output → the lines of a page, each with its words and positions.
//!
//! Thai is written without spaces between words, so Tesseract's "words" are often
//! single glyph clusters; a line's text is rebuilt from their boxes: a gap wider than
//! a small share of the page width is a space.

/// Share of the page width a gap must exceed to be a space.
const SPACE_GAP: f64 = 0.006;

/// One recognised word and its box, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub left: i64,
    pub top: i64,
    pub width: i64,
    pub height: i64,
    pub text: String,
}

impl Word {
    pub fn right(&self) -> i64 {
        self.left + self.width
    }
}

/// One text line of a page, its words left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub words: Vec<Word>,
    /// The words joined, with a space where the gap between them is wide.
    pub text: String,
}

impl Line {
    /// Where its words typically end below: the median of their bottom edges,
    /// which marks above or below a few letters and stray specks do not move.
    pub fn bottom(&self) -> i64 {
        let mut bottoms: Vec<i64> = self.words.iter().map(|w| w.top + w.height).collect();
        bottoms.sort_unstable();
        bottoms.get(bottoms.len() / 2).copied().unwrap_or(0)
    }
}

/// The lines of one page, top to bottom as Tesseract orders them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageText {
    pub width: i64,
    pub lines: Vec<Line>,
}

impl PageText {
    /// The page's text, one line per line (what the record keeps for inspection).
    pub fn text(&self) -> String {
        let lines: Vec<&str> = self.lines.iter().map(|l| l.text.as_str()).collect();
        lines.join("\n")
    }
}

/// Page, block, paragraph and line numbers: what makes a line in the TSV.
type LineKey = (i64, i64, i64, i64);

/// Parses `tesseract … tsv` output. Rows that do not have the 12 columns, or whose
/// numbers do not parse, are skipped: they carry no word.
pub fn parse(tsv: &str) -> PageText {
    let mut width = 0;
    let mut lines: Vec<(LineKey, Vec<Word>)> = Vec::new();
    for row in tsv.lines().skip(1) {
        let columns: Vec<&str> = row.split('\t').collect();
        let [
            level,
            page,
            block,
            par,
            line,
            _word,
            left,
            top,
            w,
            h,
            _conf,
            text,
        ] = columns.as_slice()
        else {
            continue;
        };
        let number = |s: &str| s.trim().parse::<i64>().ok();
        let (Some(level), Some(left), Some(top), Some(w), Some(h)) = (
            number(level),
            number(left),
            number(top),
            number(w),
            number(h),
        ) else {
            continue;
        };
        if level == 1 {
            width = w;
            continue;
        }
        let text = text.trim();
        if level != 5 || text.is_empty() {
            continue;
        }
        let key = (
            number(page).unwrap_or(0),
            number(block).unwrap_or(0),
            number(par).unwrap_or(0),
            number(line).unwrap_or(0),
        );
        let word = Word {
            left,
            top,
            width: w,
            height: h,
            text: normalise(text),
        };
        match lines.last_mut() {
            Some((last, words)) if *last == key => words.push(word),
            _ => lines.push((key, vec![word])),
        }
    }
    let gap = (width as f64 * SPACE_GAP).max(1.0) as i64;
    PageText {
        width,
        lines: lines
            .into_iter()
            .map(|(_, mut words)| {
                words.sort_by_key(|w| w.left);
                Line {
                    // The two halves of ำ may be separate words.
                    text: normalise(&join(&words, gap)),
                    words,
                }
            })
            .collect(),
    }
}

fn join(words: &[Word], gap: i64) -> String {
    let mut text = String::new();
    let mut right = None;
    for word in words {
        if right.is_some_and(|r| word.left - r > gap) {
            text.push(' ');
        }
        text.push_str(&word.text);
        right = Some(right.map_or(word.right(), |r: i64| r.max(word.right())));
    }
    text
}

/// Tesseract writes sara am (ำ) as nikhahit + sara aa (ํา), which looks the same but
/// compares differently.
pub fn normalise(text: &str) -> String {
    text.replace("\u{0E4D}\u{0E32}", "\u{0E33}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n";

    #[test]
    fn words_become_lines_with_spaces_at_wide_gaps() {
        let tsv = format!(
            "{HEADER}1\t1\t0\t0\t0\t0\t0\t0\t1000\t1400\t-1\t\n\
             5\t1\t1\t1\t1\t1\t10\t10\t20\t12\t90\tบาง\n\
             5\t1\t1\t1\t1\t2\t31\t10\t20\t12\t90\tบํา\n\
             5\t1\t1\t1\t1\t3\t80\t10\t20\t12\t90\tหรุ\n\
             5\t1\t1\t1\t2\t1\t10\t40\t20\t12\t90\t๑๒\n\
             5\t1\t1\t1\t2\t2\t40\t40\t20\t12\t90\t \n"
        );
        let page = parse(&tsv);
        assert_eq!(page.width, 1000);
        assert_eq!(page.text(), "บางบำ หรุ\n๑๒");
    }
}
