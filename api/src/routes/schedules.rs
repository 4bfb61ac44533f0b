//! Schedules through the API: list, one, create, replace, pause, resume, delete.
//!
//! Definitions are validated by `tally_core::schedule::Schedule` (every problem named by
//! its field path, `cron` included) and stored by the store's compare-and-set edits,
//! which also mark the schedule as the API's (the schedules file stops changing it).
//! A view adds what people need to trust a schedule: its next fire times, its latest
//! runs with each experiment's scores (the UI draws the trend from them), and the
//! slots it skipped. Webhook URLs are only ever shown redacted.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde_json::Value;
use tally_core::contract::FieldError;
use tally_core::contract::views::{ExperimentScores, ScheduleDetail, ScheduleList, ScheduledRun};
use tally_core::schedule::{Schedule, ScheduleName};
use tally_daemon::egress::{TargetError, checked_addresses};
use tally_store::{RunView, ScheduleView};

use crate::auth::Caller;
use crate::backend::Connected;
use crate::error::ApiError;
use crate::extract::{Body, Params, json_object};
use crate::state::AppState;

/// Fire times shown per schedule.
const NEXT_FIRE_TIMES: usize = 5;
/// Runs shown per schedule, newest first: enough for a trend line.
const LAST_RUNS: usize = 10;
/// Skip records shown per schedule, newest first.
const SKIP_RECORDS: usize = 10;

/// `GET /api/v1/schedules`: every schedule, by name.
pub async fn list(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<ScheduleList>, ApiError> {
    params.finish()?;
    let connected = state.backend.get().await?;
    let now = Utc::now();
    let mut schedules = Vec::new();
    for view in connected.store.schedules().await? {
        schedules.push(detail_of(connected, &state, view, now).await?);
    }
    Ok(Json(ScheduleList { schedules }))
}

/// `GET /api/v1/schedules/{name}`.
pub async fn detail(
    State(state): State<AppState>,
    Path(name): Path<String>,
    params: Params,
) -> Result<Json<ScheduleDetail>, ApiError> {
    params.finish()?;
    let name = schedule_name(&name)?;
    let connected = state.backend.get().await?;
    let view = connected
        .store
        .schedule(&name)
        .await?
        .ok_or_else(|| no_schedule(&name))?;
    Ok(Json(detail_of(connected, &state, view, Utc::now()).await?))
}

/// `POST /api/v1/schedules`: 201 with the view (and its URL in `Location`); 409 when
/// the name is taken.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Body(body): Body,
) -> Result<Response, ApiError> {
    params.finish()?;
    let schedule =
        Schedule::from_json(&Value::Object(json_object(&body)?)).map_err(ApiError::Invalid)?;
    check_webhook(&schedule, &state).await?;
    let connected = state.backend.get().await?;
    let now = Utc::now();
    if !connected.store.create_schedule(&schedule, now).await? {
        return Err(ApiError::Conflict(format!(
            "a schedule named \"{name}\" already exists; change it with PUT /api/v1/schedules/{name}",
            name = schedule.name
        )));
    }
    tracing::info!(schedule = %schedule.name, caller = caller.scope(), "schedule created");
    let view = connected
        .store
        .schedule(&schedule.name)
        .await?
        .ok_or_else(|| no_schedule(&schedule.name))?;
    let location = schedule_url(&state, &schedule.name);
    let mut response = (
        StatusCode::CREATED,
        Json(detail_of(connected, &state, view, now).await?),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PUT /api/v1/schedules/{name}`: replaces the whole definition; the body's `name`
/// must be the path's (a schedule is not renamed). A redacted webhook URL sent back
/// as it was shown keeps the stored one.
pub async fn replace(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    params: Params,
    Body(body): Body,
) -> Result<Json<ScheduleDetail>, ApiError> {
    params.finish()?;
    let name = schedule_name(&name)?;
    let body = Value::Object(json_object(&body)?);
    let connected = state.backend.get().await?;
    let current = connected
        .store
        .schedule(&name)
        .await?
        .ok_or_else(|| no_schedule(&name))?;
    let (parsed, mut problems) = match Schedule::from_json_replacing(&body, Some(&current.schedule))
    {
        Ok(schedule) => (Some(schedule), Vec::new()),
        Err(problems) => (None, problems),
    };
    if let Some(given) = body.get("name").and_then(Value::as_str)
        && given != name.as_str()
        && !problems.iter().any(|p| p.field == "name")
    {
        problems.push(FieldError {
            field: "name".to_string(),
            message: format!(
                "must be \"{name}\", the schedule of the path (a schedule cannot be renamed: create the new one and delete this one)"
            ),
        });
    }
    let schedule = match parsed {
        Some(schedule) if problems.is_empty() => schedule,
        _ => return Err(ApiError::Invalid(problems)),
    };
    check_webhook(&schedule, &state).await?;
    let now = Utc::now();
    let view = connected
        .store
        .replace_schedule(&schedule, now)
        .await?
        .ok_or_else(|| no_schedule(&name))?;
    tracing::info!(schedule = %name, caller = caller.scope(), "schedule replaced");
    Ok(Json(detail_of(connected, &state, view, now).await?))
}

/// `POST /api/v1/schedules/{name}/pause`: no runs until resumed (repeatable).
pub async fn pause(
    state: State<AppState>,
    caller: Extension<Caller>,
    name: Path<String>,
    params: Params,
) -> Result<Json<ScheduleDetail>, ApiError> {
    set_paused(state, caller, name, params, true).await
}

/// `POST /api/v1/schedules/{name}/resume`: fires again from now on; slots that passed
/// while it was paused are not caught up.
pub async fn resume(
    state: State<AppState>,
    caller: Extension<Caller>,
    name: Path<String>,
    params: Params,
) -> Result<Json<ScheduleDetail>, ApiError> {
    set_paused(state, caller, name, params, false).await
}

async fn set_paused(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    params: Params,
    paused: bool,
) -> Result<Json<ScheduleDetail>, ApiError> {
    params.finish()?;
    let name = schedule_name(&name)?;
    let connected = state.backend.get().await?;
    let now = Utc::now();
    let view = connected
        .store
        .set_schedule_paused(&name, paused, now)
        .await?
        .ok_or_else(|| no_schedule(&name))?;
    let event = if paused {
        "schedule paused"
    } else {
        "schedule resumed"
    };
    tracing::info!(schedule = %name, caller = caller.scope(), "{event}");
    Ok(Json(detail_of(connected, &state, view, now).await?))
}

/// `DELETE /api/v1/schedules/{name}`: 204; its runs stay, and the schedules file does
/// not bring it back.
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    params: Params,
) -> Result<StatusCode, ApiError> {
    params.finish()?;
    let name = schedule_name(&name)?;
    let connected = state.backend.get().await?;
    if !connected.store.delete_schedule(&name).await? {
        return Err(no_schedule(&name));
    }
    tracing::info!(schedule = %name, caller = caller.scope(), "schedule deleted");
    Ok(StatusCode::NO_CONTENT)
}

async fn detail_of(
    connected: &Connected,
    state: &AppState,
    view: ScheduleView,
    now: DateTime<Utc>,
) -> Result<ScheduleDetail, ApiError> {
    let name = &view.schedule.name;
    let runs = connected.store.schedule_runs(name, LAST_RUNS).await?;
    let skipped_slots = connected.store.skipped_slots(name, SKIP_RECORDS).await?;
    let definition = view.schedule.public();
    Ok(ScheduleDetail {
        name: definition.name,
        cron: definition.cron,
        time_zone: definition.time_zone,
        paused: definition.paused,
        request: definition.request,
        alerts: definition.alerts,
        origin: view.origin,
        created_at: view.created_at,
        updated_at: view.updated_at,
        last_slot: view.last_slot,
        next_fire_times: view.next_fire_times(now, NEXT_FIRE_TIMES),
        last_runs: runs
            .into_iter()
            .map(|run| scheduled_run(state, run))
            .collect(),
        skipped_slots,
        refusal: view.refusal,
    })
}

fn scheduled_run(state: &AppState, run: RunView) -> ScheduledRun {
    let experiments = run
        .response
        .iter()
        .flat_map(|response| &response.experiments)
        .map(|summary| {
            (
                summary.experiment_name.clone(),
                ExperimentScores {
                    overall_accuracy: summary.overall_accuracy,
                    success_rate: summary.success_rate,
                },
            )
        })
        .collect();
    ScheduledRun {
        status_url: state.urls.run_status(&run.record.run_id),
        run_id: run.record.run_id.to_string(),
        status: run.status,
        created_at: run.created_at,
        finished_at: run.finished_at,
        experiments,
    }
}

/// A schedule name from a path; any other text names no schedule (404).
fn schedule_name(text: &str) -> Result<ScheduleName, ApiError> {
    ScheduleName::parse(text).map_err(|_| {
        let shown: String = text.chars().take(100).collect();
        ApiError::not_found(format!("no schedule named {shown:?}"))
    })
}

fn no_schedule(name: &ScheduleName) -> ApiError {
    ApiError::not_found(format!("no schedule named \"{name}\""))
}

fn schedule_url(state: &AppState, name: &ScheduleName) -> String {
    format!("{}/api/v1/schedules/{name}", state.urls.base())
}

/// 422 on `alerts.webhook_url` when it points at an internal address (unless
/// `TALLY_WEBHOOK_ALLOW_PRIVATE`). A name that does not resolve now is accepted: the
/// scheduler checks again before every delivery.
async fn check_webhook(schedule: &Schedule, state: &AppState) -> Result<(), ApiError> {
    let Some(url) = &schedule.alerts.webhook_url else {
        return Ok(());
    };
    let (host, port) = url.target();
    match checked_addresses(host, port, state.webhook_allow_private).await {
        Err(TargetError::Refused(rule)) => Err(ApiError::invalid(
            "alerts.webhook_url",
            format!("{rule}; set TALLY_WEBHOOK_ALLOW_PRIVATE=true to allow internal targets"),
        )),
        Ok(_) | Err(TargetError::Unresolved(_)) => Ok(()),
    }
}
