//! A batch as the Developer API shows it: an Operation named `batches/{id}` whose
//! `metadata` is the `GenerateContentBatch` (state, stats, times) and, once it has
//! succeeded, whose `response` holds the inlined responses. The output is also in
//! `metadata.output`, where google-genai reads it; a batch created from a file shows
//! its generated `responsesFile` there instead. Proto3 JSON leaves out zero
//! counts and writes int64 values as strings.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::store::{Batch, BatchState};
use crate::config::StateNames;

const BATCH_TYPE: &str =
    "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch";
const OUTPUT_TYPE: &str =
    "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput";

/// Whether the answers are included (`get`) or left out (`list`, to keep pages small).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Included,
    Omitted,
}

pub fn state_name(state: BatchState, names: StateNames) -> String {
    let prefix = match names {
        StateNames::Batch => "BATCH_STATE_",
        StateNames::Job => "JOB_STATE_",
    };
    format!("{prefix}{}", state.suffix())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn operation(batch: &Batch, now: DateTime<Utc>, output: Output) -> Value {
    let progress = batch.progress(now);
    let name = format!("batches/{}", batch.id);
    let finished = &batch.items[..progress.finished.min(batch.items.len())];
    let failed = finished.iter().filter(|i| i.get("error").is_some()).count();
    let mut stats = Map::new();
    stats.insert("requestCount".into(), json!(batch.items.len().to_string()));
    for (field, count) in [
        ("successfulRequestCount", finished.len() - failed),
        ("failedRequestCount", failed),
        ("pendingRequestCount", batch.items.len() - finished.len()),
    ] {
        if count > 0 {
            stats.insert(field.into(), json!(count.to_string()));
        }
    }
    let mut metadata = json!({
        "@type": BATCH_TYPE,
        "model": format!("models/{}", batch.model),
        "displayName": batch.display_name,
        "createTime": timestamp(batch.created),
        "updateTime": timestamp(progress.since),
        "batchStats": stats,
        "state": state_name(progress.state, batch.life.state_names),
        "name": name,
    });
    let mut operation = json!({"name": name, "metadata": {}});
    if progress.state.is_final() {
        metadata["endTime"] = json!(timestamp(progress.since));
        operation["done"] = json!(true);
    }
    if progress.state == BatchState::Succeeded && output == Output::Included {
        if batch.from_file {
            if let Some(file) = &batch.responses_file {
                metadata["output"] = json!({"responsesFile": file});
                operation["response"] = json!({"@type": OUTPUT_TYPE, "responsesFile": file});
            }
        } else {
            let inlined = json!({"inlinedResponses": batch.items});
            metadata["output"] = json!({"inlinedResponses": inlined});
            operation["response"] = json!({"@type": OUTPUT_TYPE, "inlinedResponses": inlined});
        }
    }
    operation["metadata"] = metadata;
    operation
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BatchSettings;

    #[test]
    fn a_succeeded_batch_shows_its_answers_in_response_and_metadata_output() {
        let batch = Batch {
            id: "abc".into(),
            model: "gemini-2.5-flash".into(),
            display_name: "run-1".into(),
            created: Utc::now() - chrono::Duration::seconds(10),
            life: BatchSettings {
                pending_ms: 0,
                running_ms: 0,
                expire_ms: 100_000,
                state_names: StateNames::Job,
            },
            cancelled: None,
            items: vec![
                json!({"response": {"candidates": []}, "metadata": {"key": "r1"}}),
                json!({"error": {"code": 3, "message": "bad"}, "metadata": {"key": "r2"}}),
            ],
            from_file: false,
            responses_file: None,
        };
        let op = operation(&batch, Utc::now(), Output::Included);
        assert_eq!(op["name"], "batches/abc");
        assert_eq!(op["done"], true);
        assert_eq!(op["metadata"]["state"], "JOB_STATE_SUCCEEDED");
        assert_eq!(op["metadata"]["model"], "models/gemini-2.5-flash");
        assert_eq!(
            op["metadata"]["batchStats"],
            json!({"requestCount": "2", "successfulRequestCount": "1", "failedRequestCount": "1"})
        );
        let items = &op["response"]["inlinedResponses"]["inlinedResponses"];
        assert_eq!(items[1]["metadata"]["key"], "r2");
        assert_eq!(
            op["metadata"]["output"]["inlinedResponses"]["inlinedResponses"],
            *items
        );
        let listed = operation(&batch, Utc::now(), Output::Omitted);
        assert!(listed.get("response").is_none());
        assert!(listed["metadata"].get("output").is_none());
    }
}
