//! One experiment: its detail (record, progress, summary once final) and its
//! per-record results — a page of JSON, or every result as CSV or JSON lines.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tally_core::contract::views::{ExperimentDetail, ResultsPage};
use tally_core::run::ExperimentId;
use tally_store::ExperimentView;

use crate::backend::Connected;
use crate::error::ApiError;
use crate::export;
use crate::extract::{Page, Params, experiment_id};
use crate::state::AppState;
use crate::views::experiment_detail;

/// `GET /api/v1/experiments/experiments/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<ExperimentDetail>, ApiError> {
    params.finish()?;
    let id = experiment_id(&id)?;
    let connected = state.backend.get().await?;
    let view = find_experiment(connected, &id).await?;
    Ok(Json(experiment_detail(view, &state)))
}

/// `GET …/experiments/{id}/results?offset=&limit=` (JSON page), or
/// `?format=csv|jsonl` (every result, sorted by record id and trial, as a download).
pub async fn results(
    State(state): State<AppState>,
    Path(id): Path<String>,
    mut params: Params,
) -> Result<Response, ApiError> {
    let format = params
        .choice("format", &["json", "csv", "jsonl"])
        .unwrap_or("json");
    let page = Page::read(&mut params);
    params.finish()?;
    let id = experiment_id(&id)?;
    let connected = state.backend.get().await?;
    let view = find_experiment(connected, &id).await?;
    if format == "json" {
        let results = connected
            .store
            .results_page(&id, page.offset, page.limit)
            .await?;
        return Ok(Json(ResultsPage {
            experiment_id: id.to_string(),
            total: view.progress.done,
            offset: page.offset,
            limit: page.limit,
            next_offset: page.next_offset(results.len()),
            results,
        })
        .into_response());
    }
    let mut all = connected.store.all_results(&id).await?;
    all.sort_by(|a, b| (&a.record_id, a.trial).cmp(&(&b.record_id, b.trial)));
    let (body, content_type) = if format == "csv" {
        (export::csv(&all), "text/csv; charset=utf-8")
    } else {
        (export::jsonl(&all), "application/x-ndjson")
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("attachment; filename=\"{id}.{format}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

pub(super) async fn find_experiment(
    connected: &Connected,
    id: &ExperimentId,
) -> Result<ExperimentView, ApiError> {
    connected
        .store
        .experiment(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no experiment {id}")))
}
