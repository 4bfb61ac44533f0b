//! `Problem`: one thing wrong with a dataset folder, located by file and line.

use std::fmt;

use serde::Serialize;

/// One reason a dataset cannot be imported. The loader collects all of them, so a
/// user fixes a folder in one pass instead of one error per attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file, relative to the dataset folder (`records.jsonl`), or `.` for the
    /// folder itself.
    pub file: String,
    /// 1-based line number, when the problem belongs to a line.
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn in_file(file: &str, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            line: None,
            message: message.into(),
        }
    }

    pub fn at_line(file: &str, line: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            line: Some(line),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_a_compiler_location() {
        assert_eq!(
            Problem::at_line("records.jsonl", 3, "duplicate id \"a\"").to_string(),
            "records.jsonl:3: duplicate id \"a\""
        );
        assert_eq!(
            Problem::in_file(".", "not a folder").to_string(),
            ".: not a folder"
        );
    }
}
