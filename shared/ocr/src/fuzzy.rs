//! Finding a printed label in an OCR line that may have a few characters wrong.
//!
//! Approximate substring matching (Sellers' algorithm): the span of `haystack` with
//! the fewest edits (insertions, deletions, substitutions) from `needle`.

/// A match of a label: the char range it covers in the line, and its edit count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub edits: usize,
}

/// The best match of `needle` in `haystack` (both as chars) with at most a quarter
/// of the needle's characters edited; the leftmost among equally good ones.
pub fn find(haystack: &[char], needle: &str) -> Option<Found> {
    let needle: Vec<char> = needle.chars().collect();
    let limit = needle.len() / 4;
    let n = needle.len();
    // column[i] = edits of needle[..i] against the best span ending here; start[i] its start.
    let mut column: Vec<usize> = (0..=n).collect();
    let mut start: Vec<usize> = vec![0; n + 1];
    let mut best: Option<Found> = (n <= limit).then_some(Found {
        start: 0,
        end: 0,
        edits: n,
    });
    for (j, &c) in haystack.iter().enumerate() {
        let (mut diagonal, mut diagonal_start) = (column[0], start[0]);
        column[0] = 0;
        start[0] = j + 1;
        for i in 1..=n {
            let substitute = diagonal + usize::from(needle[i - 1] != c);
            let delete = column[i] + 1;
            let insert = column[i - 1] + 1;
            let (above, above_start) = (column[i], start[i]);
            let (value, from) = if substitute <= delete && substitute <= insert {
                (substitute, diagonal_start)
            } else if insert <= delete {
                (insert, start[i - 1])
            } else {
                (delete, above_start)
            };
            diagonal = above;
            diagonal_start = above_start;
            column[i] = value;
            start[i] = from;
        }
        if column[n] <= limit && best.is_none_or(|b| column[n] < b.edits) {
            best = Some(Found {
                start: start[n],
                end: j + 1,
                edits: column[n],
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> Vec<char> {
        text.chars().collect()
    }

    #[test]
    fn an_exact_label_is_found_where_it_is() {
        let line = chars("หน่วยเลือกตั้งที่ ๑ หมู่ที่");
        let found = find(&line, "หมู่ที่").unwrap();
        assert_eq!((found.start, found.end, found.edits), (20, 27, 0));
    }

    #[test]
    fn a_misread_label_is_found_and_an_absent_one_is_not() {
        let line = chars("อำเภอ/เต บางหลัด เขตเลือกตั้งที่ ๓๑");
        let found = find(&line, "อำเภอ/เขต").unwrap();
        assert_eq!((found.start, found.edits), (0, 1));
        assert_eq!(found.end, 8);
        assert!(find(&line, "จังหวัด").is_none());
    }
}
