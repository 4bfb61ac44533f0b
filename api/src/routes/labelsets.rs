//! Label sets (`crate::labelsets`): scans uploaded for people to label, handed out
//! one record at a time, checked live against the consistency rules, published as
//! a dataset version.
//!
//! - `POST /api/v1/labelsets?name=` (runner): a `.tar.gz` / `.zip` of page images → 201;
//! - `GET /api/v1/labelsets`, `GET /api/v1/labelsets/{name}` (viewer);
//! - `POST …/{name}/prefill` (runner): one model configuration → 202 and its run;
//! - `POST …/{name}/next[?second=true]` (runner): a leased record, or 204;
//! - `GET …/{name}/records/{id}` (viewer), `…/pages/{n}` (viewer);
//! - `POST …/{name}/records/{id}/check` (viewer): the rules over typed reports;
//! - `POST …/{name}/records/{id}/label` (runner): accept / skip / flag;
//! - `POST …/{name}/publish` (admin): accepted records → a dataset version.

use axum::body::Body as RawBody;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde_json::Value;
use tally_core::contract::DatasetName;
use tally_core::contract::views::{
    CheckView, LabelRecordView, LabelSetList, LabelSetView, LeaseGranted, PrefillAccepted,
    PublishOutcome,
};
use tally_core::evaluators::check_reports;
use tally_core::run::Submitter;

use super::records::{image_response, page_index};
use super::upload::name_parameter;
use crate::auth::Caller;
use crate::error::{ApiError, Sent};
use crate::extract::{Body, Params, json_object};
use crate::labelsets::prefill::refuse_prefill_name;
use crate::labelsets::record::{LabelRequest, find_record, record_view, reports_of};
use crate::labelsets::view::{labelset_view, millis_to_time, summary};
use crate::labelsets::{Create, find, labeller, prefill, publish};
use crate::state::AppState;
use crate::upload::IncomingArchive;

/// `POST /api/v1/labelsets?name=NAME`.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    mut params: Params,
    headers: HeaderMap,
    body: RawBody,
) -> Result<Response, ApiError> {
    let name = params.text("name");
    params.finish()?;
    let name = name_parameter(name, "the name of the new label set")?;
    let archive = IncomingArchive::of_request(
        &state.data_dir,
        Sent::LabelSetArchive,
        state.upload_limits,
        &headers,
    )?;
    let connected = state.backend.get().await?;
    let set = Create {
        store: &connected.store,
        archive,
        name: &name,
        created_by: labeller(&caller),
    }
    .run(body)
    .await?;
    let view = labelset_view(&connected.store, &set, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `GET /api/v1/labelsets`.
pub async fn list(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<LabelSetList>, ApiError> {
    params.finish()?;
    let connected = state.backend.get().await?;
    let store = &connected.store;
    let now = Utc::now();
    let mut labelsets = Vec::new();
    for name in store.labelset_names().await? {
        if let Some(set) = store.labelset(&name).await? {
            labelsets.push(summary(labelset_view(store, &set, now).await?));
        }
    }
    Ok(Json(LabelSetList { labelsets }))
}

/// `GET /api/v1/labelsets/{name}`.
pub async fn detail(
    State(state): State<AppState>,
    Path(name): Path<String>,
    params: Params,
) -> Result<Json<LabelSetView>, ApiError> {
    params.finish()?;
    let connected = state.backend.get().await?;
    let set = find(&connected.store, &name).await?;
    Ok(Json(
        labelset_view(&connected.store, &set, Utc::now()).await?,
    ))
}

/// `POST /api/v1/labelsets/{name}/prefill`.
pub async fn prefill_run(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    params: Params,
    Body(body): Body,
) -> Result<Response, ApiError> {
    params.finish()?;
    let connected = state.backend.get().await?;
    let set = find(&connected.store, &name).await?;
    let submitter = Submitter {
        api_key_name: caller.key_name.clone(),
        schedule: None,
    };
    let set = prefill::prefill(&connected.store, set, &body, submitter).await?;
    let run_id = set.prefill.map(|p| p.run_id).unwrap_or_default();
    Ok((StatusCode::ACCEPTED, Json(PrefillAccepted { run_id })).into_response())
}

/// `POST /api/v1/labelsets/{name}/next`.
pub async fn next(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    mut params: Params,
) -> Result<Response, ApiError> {
    let second = params.text("second");
    params.finish()?;
    let second = match second.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid("second", "must be true or false")),
    };
    let connected = state.backend.get().await?;
    let set = find(&connected.store, &name).await?;
    let lease_ms = i64::try_from(state.label_lease.as_millis()).unwrap_or(i64::MAX);
    let leased = connected
        .store
        .lease_next_record(&set, &labeller(&caller), Utc::now(), lease_ms, second)
        .await?;
    Ok(match leased {
        Some((record_id, expires_ms)) => Json(LeaseGranted {
            record_id,
            lease_expires_at: millis_to_time(expires_ms),
        })
        .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// `GET /api/v1/labelsets/{name}/records/{id}`.
pub async fn record(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((name, id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<LabelRecordView>, ApiError> {
    params.finish()?;
    let connected = state.backend.get().await?;
    let set = find(&connected.store, &name).await?;
    let view = record_view(
        &connected.store,
        state.urls.base(),
        &set,
        &id,
        &labeller(&caller),
        Utc::now(),
    )
    .await?;
    Ok(Json(view))
}

/// `GET /api/v1/labelsets/{name}/records/{id}/pages/{n}` (n from 1).
pub async fn page(
    State(state): State<AppState>,
    Path((name, id, page)): Path<(String, String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    params.finish()?;
    let connected = state.backend.get().await?;
    let set = find(&connected.store, &name).await?;
    let record = find_record(&set, &id)?;
    let index = page_index(&page, record.pages.len(), &record.id)?;
    image_response(&state, record.pages[index - 1].clone(), index).await
}

/// `POST /api/v1/labelsets/{name}/records/{id}/check`.
pub async fn check(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    params: Params,
    Body(body): Body,
) -> Result<Json<CheckView>, ApiError> {
    params.finish()?;
    let value = json_object(&body)?;
    let reports = reports_of(value.get("reports"))?
        .ok_or_else(|| ApiError::invalid("reports", "is required: a list of reports"))?;
    let connected = state.backend.get().await?;
    let set = find(&connected.store, &name).await?;
    find_record(&set, &id)?;
    Ok(Json(check_reports(&reports)))
}

/// `POST /api/v1/labelsets/{name}/records/{id}/label`.
pub async fn label(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((name, id)): Path<(String, String)>,
    params: Params,
    Body(body): Body,
) -> Result<Json<LabelRecordView>, ApiError> {
    params.finish()?;
    let request = LabelRequest::from_json(&body)?;
    let connected = state.backend.get().await?;
    let set = find(&connected.store, &name).await?;
    let who = labeller(&caller);
    let now = Utc::now();
    request
        .write(&connected.store, &set, &id, &who, now)
        .await?;
    let view = record_view(&connected.store, state.urls.base(), &set, &id, &who, now).await?;
    Ok(Json(view))
}

/// `POST /api/v1/labelsets/{name}/publish`.
pub async fn publish_set(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    params: Params,
    Body(body): Body,
) -> Result<Response, ApiError> {
    params.finish()?;
    let value = json_object(&body)?;
    let dataset = value
        .get("dataset")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("dataset", "is required: the dataset to publish to"))?;
    let dataset =
        DatasetName::parse(dataset).map_err(|e| ApiError::invalid("dataset", e.to_string()))?;
    refuse_prefill_name(&dataset, "dataset").map_err(|e| ApiError::Invalid(vec![e]))?;
    let connected = state.backend.get().await?;
    let set = find(&connected.store, &name).await?;
    let outcome: PublishOutcome = publish::publish(
        &connected.store,
        &state.data_dir,
        set,
        &dataset,
        &labeller(&caller),
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(outcome)).into_response())
}
