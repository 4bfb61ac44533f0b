//! A create request, checked and answered: the body's shape was checked by
//! `validate::check_batch_shape`; here what it means (a display name, exactly one
//! input, requests for this model), then every inline request is answered as the
//! online route answers it — a request the online route would refuse becomes that
//! request's `error`, the others a `response`.

use chrono::Utc;
use serde_json::{Value, json};

use super::store::Batch;
use crate::answer::{AnswerInputs, compose};
use crate::config::{EmulatorConfig, ModelProfile};
use crate::google_error::{ApiError, Violation};
use crate::index::DatasetIndex;
use crate::validate::{check_inlined_request, get};

/// The requests of a create body, with their metadata, once its meaning is checked.
pub struct Plan<'a> {
    pub display_name: String,
    pub requests: Vec<(&'a Value, Option<&'a Value>)>,
}

fn violation(field: &str, description: &str) -> Violation {
    Violation {
        field: field.to_string(),
        description: description.to_string(),
    }
}

/// Checks what a shape-valid body means for `model`.
pub fn plan<'a>(body: &'a Value, model: &str) -> Result<Plan<'a>, ApiError> {
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
            return Err(ApiError::not_found(format!("File {name} not found.")));
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
                requests.push((request, metadata));
            }
        }
    }
    if problems.is_empty() {
        Ok(Plan {
            display_name: display_name.to_string(),
            requests,
        })
    } else {
        Err(ApiError::violations(problems))
    }
}

/// The batch with every request answered (its id is given when it is stored).
pub fn answer(
    plan: &Plan<'_>,
    model: &str,
    profile: &ModelProfile,
    settings: &EmulatorConfig,
    index: &DatasetIndex,
) -> Batch {
    let items = plan
        .requests
        .iter()
        .map(|(request, metadata)| {
            let mut item = match check_inlined_request(request, model, profile) {
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
            if let Some(metadata) = metadata {
                item["metadata"] = (*metadata).clone();
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
    }
}
