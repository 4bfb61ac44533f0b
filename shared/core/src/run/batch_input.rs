//! What a part's batch was created from, recorded with the batch: a worker that
//! deletes the batch's input file once it is final (or cancelled) then names it
//! instead of looking for it in the Files API's listing.

/// A batch's input: its requests inline, or a JSONL file uploaded for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchInput {
    Inline,
    /// The uploaded file's name (`files/{id}`).
    File(String),
}
