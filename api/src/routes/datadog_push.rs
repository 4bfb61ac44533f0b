//! `POST /api/v1/datasets/{name}/datadog`: a tally dataset version pushed to Datadog
//! (`crate::datadog_datasets::push`) with `{"version"?, "project_name"?}`.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;
use tally_core::contract::views::DatadogPushView;
use tally_core::contract::{DatasetName, FieldError, Label};

use crate::datadog_datasets;
use crate::error::ApiError;
use crate::extract::{Body, Params};
use crate::state::AppState;

pub async fn push(
    State(state): State<AppState>,
    Path(name): Path<String>,
    params: Params,
    Body(body): Body,
) -> Result<Json<DatadogPushView>, ApiError> {
    params.finish()?;
    let parsed = DatasetName::parse(&name).map_err(|_| {
        let shown: String = name.chars().take(100).collect();
        ApiError::not_found(format!("no dataset named {shown:?}"))
    })?;
    let mut object = crate::extract::json_object(&body)?;
    let mut errors = Vec::new();
    let version = match object.remove("version") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some_and(|v| v >= 1) => n.as_u64(),
        Some(_) => {
            errors.push((
                "version",
                "must be a tally version number (1, 2, …)".to_string(),
            ));
            None
        }
    };
    let project_name = match object.remove("project_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Label::parse(&text)
            .map_err(|e| errors.push(("project_name", e.to_string())))
            .ok(),
        Some(_) => {
            errors.push(("project_name", "must be a string".to_string()));
            None
        }
    };
    let mut errors: Vec<FieldError> = errors
        .into_iter()
        .map(|(field, message)| FieldError {
            field: field.to_string(),
            message,
        })
        .collect();
    for unknown in object.keys() {
        errors.push(FieldError {
            field: unknown.chars().take(80).collect(),
            message: "unknown field; expected version, project_name".to_string(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let pushed = datadog_datasets::push(&state, &parsed, version, project_name).await?;
    tracing::info!(
        dataset = %parsed,
        version = pushed.version,
        datadog_dataset = %pushed.datadog.dataset_id,
        datadog_version = pushed.datadog.version,
        "dataset pushed to Datadog"
    );
    Ok(Json(pushed))
}
