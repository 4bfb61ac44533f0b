//! Pairs the expected and actual reports of one record by form type.
//!
//! Models may return reports in any order, so position means nothing; the form type
//! does. Within one form type reports pair in order of appearance, so a duplicated
//! report is an extra one rather than silently replacing the first.

use crate::extraction::{FormType, Report};

/// One form of the record as expected and as read; either side may be missing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot<'a> {
    pub form_type: FormType,
    /// 0 for the first report of this form type, 1 for a second one …
    pub occurrence: usize,
    pub expected: Option<&'a Report>,
    pub actual: Option<&'a Report>,
}

impl Slot<'_> {
    /// `Constituency`, or `Constituency#2` for a second report of that type.
    pub fn label(&self) -> String {
        match self.occurrence {
            0 => self.form_type.as_str().to_string(),
            n => format!("{}#{}", self.form_type.as_str(), n + 1),
        }
    }
}

/// Every form type present on either side, in `FormType::ALL` order.
pub(crate) fn match_reports<'a>(expected: &'a [Report], actual: &'a [Report]) -> Vec<Slot<'a>> {
    let mut slots = Vec::new();
    for form_type in FormType::ALL {
        let of_type = |reports: &'a [Report]| -> Vec<&'a Report> {
            reports
                .iter()
                .filter(|r| r.form_type() == form_type)
                .collect()
        };
        let (expected, actual) = (of_type(expected), of_type(actual));
        for occurrence in 0..expected.len().max(actual.len()) {
            slots.push(Slot {
                form_type,
                occurrence,
                expected: expected.get(occurrence).copied(),
                actual: actual.get(occurrence).copied(),
            });
        }
    }
    slots
}
