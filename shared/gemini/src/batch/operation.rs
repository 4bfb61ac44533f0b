//! Reading a batch Operation: `metadata.state` (`BATCH_STATE_*` on the wire,
//! `JOB_STATE_*` in SDKs and some samples: both are read), `metadata.batchStats`
//! (int64 counts as strings, zeros left out) and, once succeeded, the inlined
//! responses under `response` (or `metadata.output`), each keyed by its request's
//! `metadata.key` — or the name of a responses file (`responsesFile`, a batch
//! created from a file), whose JSONL lines are `{"key", "response" | "error"}`.

use serde_json::Value;

use crate::wire::GenerateContentResponse;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Expired,
}

impl BatchState {
    /// Either enum's name; `None` for an unknown or unspecified state.
    pub fn parse(text: &str) -> Option<BatchState> {
        let suffix = text
            .strip_prefix("BATCH_STATE_")
            .or_else(|| text.strip_prefix("JOB_STATE_"))?;
        Some(match suffix {
            "PENDING" | "QUEUED" => BatchState::Pending,
            "RUNNING" => BatchState::Running,
            "SUCCEEDED" => BatchState::Succeeded,
            "FAILED" => BatchState::Failed,
            "CANCELLED" | "CANCELLING" => BatchState::Cancelled,
            "EXPIRED" => BatchState::Expired,
            _ => return None,
        })
    }

    pub fn is_final(self) -> bool {
        !matches!(self, BatchState::Pending | BatchState::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Pending => "pending",
            BatchState::Running => "running",
            BatchState::Succeeded => "succeeded",
            BatchState::Failed => "failed",
            BatchState::Cancelled => "cancelled",
            BatchState::Expired => "expired",
        }
    }
}

/// One request's outcome: the response, or the error the service gave it.
#[derive(Debug, Clone)]
pub enum KeyedAnswer {
    Response(Box<GenerateContentResponse>),
    Error(String),
}

#[derive(Debug, Clone)]
pub struct BatchJob {
    /// `batches/{id}`.
    pub name: String,
    pub display_name: String,
    pub state: BatchState,
    pub requests: u64,
    /// Requests finished (succeeded or failed) so far.
    pub finished: u64,
    /// Once succeeded: each answer under its key, in request order.
    pub answers: Vec<(String, KeyedAnswer)>,
    /// Once succeeded, for a batch created from a file: where its answers are.
    pub responses_file: Option<String>,
}

/// One item's answer: its `response`, or its `error` (a `google.rpc.Status`).
fn keyed(item: &Value) -> KeyedAnswer {
    match item.get("response") {
        Some(response) => match serde_json::from_value(response.clone()) {
            Ok(response) => KeyedAnswer::Response(Box::new(response)),
            Err(error) => KeyedAnswer::Error(format!("unreadable response: {error}")),
        },
        None => KeyedAnswer::Error(format!(
            "the batch request failed: {} (code {})",
            item["error"]["message"].as_str().unwrap_or("no message"),
            item["error"]["code"]
        )),
    }
}

/// The answers of a responses file; a line that is not JSON is left out (its
/// record is then reported as unanswered).
pub fn answers_of_jsonl(text: &str) -> Vec<(String, KeyedAnswer)> {
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|item| {
            let key = item["key"].as_str().unwrap_or_default().to_string();
            (key, keyed(&item))
        })
        .collect()
}

fn count(stats: &Value, field: &str) -> u64 {
    match stats.get(field) {
        Some(Value::String(text)) => text.parse().unwrap_or(0),
        Some(Value::Number(number)) => number.as_u64().unwrap_or(0),
        _ => 0,
    }
}

impl BatchJob {
    /// The batch an Operation describes; `Err` names what is missing.
    pub fn from_operation(operation: &Value) -> Result<BatchJob, String> {
        let name = operation["name"]
            .as_str()
            .ok_or("the batch has no name")?
            .to_string();
        let metadata = &operation["metadata"];
        let state_text = metadata["state"].as_str().unwrap_or_default();
        let state = BatchState::parse(state_text)
            .ok_or_else(|| format!("{name}: unknown state {state_text:?}"))?;
        let stats = &metadata["batchStats"];
        let output = operation
            .get("response")
            .filter(|r| r.get("inlinedResponses").is_some())
            .or_else(|| metadata.get("output"));
        let items = output
            .and_then(|o| o["inlinedResponses"]["inlinedResponses"].as_array())
            .cloned()
            .unwrap_or_default();
        let mut answers = Vec::with_capacity(items.len());
        for item in items {
            let key = item["metadata"]["key"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            answers.push((key, keyed(&item)));
        }
        Ok(BatchJob {
            name,
            display_name: metadata["displayName"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            state,
            requests: count(stats, "requestCount"),
            finished: count(stats, "successfulRequestCount") + count(stats, "failedRequestCount"),
            answers,
            responses_file: output
                .and_then(|o| o["responsesFile"].as_str())
                .or_else(|| operation["response"]["responsesFile"].as_str())
                .filter(|_| state == BatchState::Succeeded)
                .map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_state_enums_read_the_same() {
        for (batch, job, state) in [
            (
                "BATCH_STATE_PENDING",
                "JOB_STATE_PENDING",
                BatchState::Pending,
            ),
            (
                "BATCH_STATE_RUNNING",
                "JOB_STATE_RUNNING",
                BatchState::Running,
            ),
            (
                "BATCH_STATE_SUCCEEDED",
                "JOB_STATE_SUCCEEDED",
                BatchState::Succeeded,
            ),
            ("BATCH_STATE_FAILED", "JOB_STATE_FAILED", BatchState::Failed),
            (
                "BATCH_STATE_CANCELLED",
                "JOB_STATE_CANCELLED",
                BatchState::Cancelled,
            ),
            (
                "BATCH_STATE_EXPIRED",
                "JOB_STATE_EXPIRED",
                BatchState::Expired,
            ),
        ] {
            assert_eq!(BatchState::parse(batch), Some(state));
            assert_eq!(BatchState::parse(job), Some(state));
        }
        assert_eq!(BatchState::parse("BATCH_STATE_UNSPECIFIED"), None);
    }

    #[test]
    fn answers_are_read_by_key_from_response_or_metadata_output() {
        let items = json!({"inlinedResponses": [
            {"response": {"candidates": []}, "metadata": {"key": "a"}},
            {"error": {"code": 3, "message": "bad"}, "metadata": {"key": "b"}}]});
        for operation in [
            json!({"name": "batches/x", "done": true,
                   "metadata": {"state": "BATCH_STATE_SUCCEEDED", "displayName": "d",
                                "batchStats": {"requestCount": "2", "successfulRequestCount": "1", "failedRequestCount": "1"}},
                   "response": {"inlinedResponses": items}}),
            json!({"name": "batches/x", "done": true,
                   "metadata": {"state": "JOB_STATE_SUCCEEDED", "displayName": "d",
                                "batchStats": {"requestCount": 2, "successfulRequestCount": 1, "failedRequestCount": 1},
                                "output": {"inlinedResponses": items}}}),
        ] {
            let job = BatchJob::from_operation(&operation).unwrap();
            assert_eq!((job.requests, job.finished), (2, 2));
            assert_eq!(job.answers.len(), 2);
            assert_eq!(job.answers[0].0, "a");
            assert!(matches!(job.answers[0].1, KeyedAnswer::Response(_)));
            let KeyedAnswer::Error(message) = &job.answers[1].1 else {
                panic!()
            };
            assert!(message.contains("bad"), "{message}");
        }
    }

    #[test]
    fn a_batch_from_a_file_names_its_responses_file_whose_lines_are_read_by_key() {
        let operation = json!({"name": "batches/x", "done": true,
            "metadata": {"state": "BATCH_STATE_SUCCEEDED", "displayName": "d",
                         "output": {"responsesFile": "files/r"}},
            "response": {"responsesFile": "files/r"}});
        let job = BatchJob::from_operation(&operation).unwrap();
        assert_eq!(job.responses_file.as_deref(), Some("files/r"));
        assert!(job.answers.is_empty());
        let answers = answers_of_jsonl(
            "{\"key\": \"a\", \"response\": {\"candidates\": []}}\n{\"key\": \"b\", \"error\": {\"code\": 3, \"message\": \"bad\"}}\n",
        );
        assert_eq!(answers.len(), 2);
        assert_eq!((answers[0].0.as_str(), answers[1].0.as_str()), ("a", "b"));
        assert!(matches!(answers[0].1, KeyedAnswer::Response(_)));
        assert!(matches!(answers[1].1, KeyedAnswer::Error(_)));
    }
}
