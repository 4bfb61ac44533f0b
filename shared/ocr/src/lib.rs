//! tally-ocr: the local model `tesseract-tha`. Tesseract reads each page (Thai
//! language data, TSV output with word positions); the words become the same reports
//! a Gemini model answers with.
//!
//! - `process`: one external program run with a deadline and its CPU time.
//! - `prepare`: table rules erased and the page enlarged before Tesseract reads it.
//! - `tesseract`: the `tesseract` program per page; its settings and errors.
//! - `tsv`: TSV output → lines of words with positions.
//! - `fuzzy` + `labels`: printed labels found in lines despite misread characters.
//! - `header`: form type, date and polling unit; `ballots`: the eight labelled number
//!   rows; `votes`: the results table.
//! - `numbers`: a number read from its digits and from its Thai words;
//!   `arithmetic`: the form's sums settle readings that disagree.
//! - `reader`: pages → reports + which reading decided each number;
//!   `record`: a record's pages end to end.

mod arithmetic;
mod ballots;
mod fuzzy;
mod header;
mod labels;
mod numbers;
pub mod prepare;
mod process;
mod reader;
mod record;
mod tesseract;
mod tsv;
mod votes;

pub use numbers::Source;
pub use prepare::prepare;
pub use reader::{FormsRead, read_forms};
pub use record::{MODEL, RecordRead, read_record};
pub use tesseract::{OcrError, OcrSettings, PACKAGES, PageRead, Tesseract};
pub use tsv::{PageText, parse as parse_tsv};
