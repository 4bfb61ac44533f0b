//! What a model returns for one record: a list of reports, one per form type.
//!
//! - `report`: the typed reports (Constituency / PartyList) and their parts.
//! - `count`: the tolerant number type every count field uses.
//! - `schema`: the Gemini `responseSchema`, derived from the same type definitions.
//! - `parse`: turning raw model text into reports, with a precise error when it is not
//!   a list of reports.

mod count;
mod parse;
mod report;
mod schema;

pub use count::Count;
pub use parse::{ExtractionError, parse_report_value, parse_reports};
pub use report::{BallotStatistics, FormInfo, FormType, Report, VoteResult, VoterStatistics};
pub use schema::{GeminiSchema, response_schema};
