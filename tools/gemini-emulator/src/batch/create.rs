//! A create request, checked and answered: the body's shape was checked by
//! `validate::check_batch_shape`; here what it means (a display name, exactly one
//! input, requests for this model), then every inline request is answered as the
//! online route answers it — a request the online route would refuse becomes that
//! request's `error`, the others a `response`. The requests come inline or from an
//! uploaded JSONL file of `{"key": …, "request": …}` lines; a file's lines are
//! checked as online requests are (shape included), since the create body's shape
//! check never saw them.

use chrono::Utc;
use serde_json::{Value, json};

use super::files::Files;
use super::store::Batch;
use crate::answer::{AnswerInputs, compose};
use crate::config::{EmulatorConfig, ModelProfile};
use crate::google_error::{ApiError, Violation};
use crate::index::DatasetIndex;
use crate::validate::{Api, check_inlined_request, check_request, get};

/// One request and what its answer carries back: `("metadata", …)` inline,
/// `("key", …)` from a file.
pub struct Planned {
    pub request: Value,
    pub tag: Option<(&'static str, Value)>,
}

/// The requests of a create body once its meaning is checked.
pub struct Plan {
    pub display_name: String,
    pub requests: Vec<Planned>,
    /// The requests came from this file (`files/…`); the answers go to a file too.
    pub file: Option<String>,
}

fn violation(field: &str, description: &str) -> Violation {
    Violation {
        field: field.to_string(),
        description: description.to_string(),
    }
}

/// Checks what a shape-valid body means for `model`.
pub fn plan(body: &Value, model: &str, files: &Files) -> Result<Plan, ApiError> {
    let mut problems = Vec::new();
    let own_model = format!("models/{model}");
    let batch = get(body, "batch");
    let display_name = batch
        .and_then(|b| get(b, "display_name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if display_name.trim().is_empty() {
        problems.push(violation(
            "batch.display_name",
            "* GenerateContentBatch.display_name: a display name is required",
        ));
    }
    if let Some(named) = batch.and_then(|b| get(b, "model")).and_then(Value::as_str)
        && named != own_model
    {
        problems.push(violation(
            "batch.model",
            &format!("* GenerateContentBatch.model: \"{named}\" differs from the model in the URL ({own_model})"),
        ));
    }
    let input = batch.and_then(|b| get(b, "input_config"));
    let inline = input
        .and_then(|i| get(i, "requests"))
        .and_then(|r| get(r, "requests"))
        .and_then(Value::as_array);
    let file = input
        .and_then(|i| get(i, "file_name"))
        .and_then(Value::as_str);
    let mut requests = Vec::new();
    match (inline, file) {
        (Some(_), Some(_)) => problems.push(violation(
            "batch.input_config",
            "* GenerateContentBatch.input_config: set either requests or file_name, not both",
        )),
        (None, Some(name)) => {
            requests = file_requests(name, files, &own_model, &mut problems)?;
        }
        (None, None) | (Some(_), None) if inline.is_none_or(Vec::is_empty) => {
            problems.push(violation(
                "batch.input_config",
                "* GenerateContentBatch.input_config: at least one request is required",
            ))
        }
        (inline, None) => {
            for (index, item) in inline.into_iter().flatten().enumerate() {
                let path = format!("batch.input_config.requests.requests[{index}]");
                let Some(request) = get(item, "request") else {
                    problems.push(violation(
                        &format!("{path}.request"),
                        &format!("* InlinedRequest.request: {path}.request is required"),
                    ));
                    continue;
                };
                if let Some(named) = get(request, "model").and_then(Value::as_str)
                    && named != own_model
                {
                    problems.push(violation(
                        &format!("{path}.request.model"),
                        &format!("* GenerateContentRequest.model: \"{named}\" differs from the batch's model ({own_model})"),
                    ));
                }
                let metadata = get(item, "metadata");
                if metadata.is_some_and(|m| !m.is_object()) {
                    problems.push(violation(
                        &format!("{path}.metadata"),
                        &format!("Invalid value at '{path}.metadata' (type.googleapis.com/google.protobuf.Struct), expected an object"),
                    ));
                }
                requests.push(Planned {
                    request: request.clone(),
                    tag: metadata.map(|m| ("metadata", m.clone())),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(Plan {
            display_name: display_name.to_string(),
            requests,
            file: file.map(str::to_string),
        })
    } else {
        Err(ApiError::violations(problems))
    }
}

/// The batch with every request answered (its id is given when it is stored).
pub fn answer(
    plan: &Plan,
    model: &str,
    profile: &ModelProfile,
    settings: &EmulatorConfig,
    index: &DatasetIndex,
) -> Batch {
    let items = plan
        .requests
        .iter()
        .map(|planned| {
            let checked = match plan.file {
                Some(_) => {
                    check_request(&planned.request, Api::Developer, "v1beta", model, profile)
                }
                None => check_inlined_request(&planned.request, model, profile),
            };
            let mut item = match checked {
                Ok(facts) => {
                    let answer = compose(&AnswerInputs {
                        model_id: model,
                        profile,
                        facts: &facts,
                        image_tokens_per_page: settings.image_tokens_per_page,
                        index,
                        forced: None,
                    });
                    json!({"response": answer.to_response()})
                }
                Err(error) => json!({"error": error.rpc_status()}),
            };
            if let Some((field, value)) = &planned.tag {
                item[*field] = value.clone();
            }
            item
        })
        .collect();
    Batch {
        id: String::new(),
        model: model.to_string(),
        display_name: plan.display_name.clone(),
        created: Utc::now(),
        life: settings.batch,
        cancelled: None,
        items,
        from_file: plan.file.is_some(),
        responses_file: None,
    }
}

/// The lines of an uploaded JSONL file as requests. A missing file is a 404; a line
/// that is not `{"key": "…", "request": {…}}` is a violation naming its line.
fn file_requests(
    name: &str,
    files: &Files,
    own_model: &str,
    problems: &mut Vec<Violation>,
) -> Result<Vec<Planned>, ApiError> {
    let field = "batch.input_config.file_name";
    let file = name
        .strip_prefix("files/")
        .and_then(|id| files.get(id))
        .ok_or_else(|| ApiError::not_found(format!("File {name} not found.")))?;
    let Ok(text) = std::str::from_utf8(&file.bytes) else {
        problems.push(violation(
            field,
            &format!("* {name}: the file is not UTF-8 JSONL"),
        ));
        return Ok(Vec::new());
    };
    let mut requests = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("* {name} line {}", index + 1);
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            problems.push(violation(field, &format!("{at}: not a JSON object")));
            continue;
        };
        let key = value
            .get("key")
            .filter(|k| k.as_str().is_some_and(|k| !k.is_empty()));
        let request = value.get("request").filter(|r| r.is_object());
        let (Some(key), Some(request)) = (key, request) else {
            problems.push(violation(
                field,
                &format!(
                    "{at}: a line is {{\"key\": \"…\", \"request\": {{…}}}} with a non-empty key"
                ),
            ));
            continue;
        };
        if let Some(named) = get(request, "model").and_then(Value::as_str)
            && named != own_model
        {
            problems.push(violation(
                field,
                &format!(
                    "{at}: request.model \"{named}\" differs from the batch's model ({own_model})"
                ),
            ));
        }
        requests.push(Planned {
            request: request.clone(),
            tag: Some(("key", key.clone())),
        });
    }
    if requests.is_empty() && problems.is_empty() {
        problems.push(violation(
            field,
            &format!("* {name}: the file holds no request"),
        ));
    }
    Ok(requests)
}
