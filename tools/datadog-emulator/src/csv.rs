//! A small RFC 4180 CSV reader for dataset uploads: comma-separated cells, quoted
//! cells may hold commas, quotes (doubled) and line breaks; rows end with CRLF or LF.

/// The rows of `text`, each a list of cells; an unterminated quote is an error.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err("unterminated quoted cell".to_string());
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_commas_quotes_and_newlines() {
        let text = "input,id\r\n\"{\"\"q\"\": \"\"a, b\"\"}\",r1\r\n\"line\nbreak\",r2\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows[0], ["input", "id"]);
        assert_eq!(rows[1], ["{\"q\": \"a, b\"}", "r1"]);
        assert_eq!(rows[2], ["line\nbreak", "r2"]);
        assert_eq!(rows.len(), 3);
        assert!(parse("\"open").is_err());
        assert_eq!(parse("a,b").unwrap(), [["a", "b"]]);
    }
}
