//! `POST …/projects` (create-or-get by name) and `GET …/projects`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use bytes::Bytes;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::jsonapi::{self, parse_document};
use crate::paging::Page;
use crate::query::Query;
use crate::routes::Prefix;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateProject {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(prefix): Extension<Prefix>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let doc = parse_document::<CreateProject>(
        &headers,
        &body,
        state.config.api_max_bytes,
        &["projects"],
    )?;
    let mut store = state.store.lock();
    let (project, created) =
        store.project_create_or_get(&doc.attributes.name, doc.attributes.description)?;
    Ok(jsonapi::with_status(
        prefix.create_status(created),
        project.to_resource(),
    ))
}

pub async fn list(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = Query::parse(
        raw.as_deref(),
        &["filter[id]", "filter[name]", "page[cursor]", "page[limit]"],
    )?;
    let page = Page::from_query(&query, state.config.page_size)?;
    let id = query.single("filter[id]")?;
    let name = query.single("filter[name]")?;
    let store = state.store.lock();
    let found: Vec<_> = store
        .projects
        .iter()
        .filter(|p| id.is_none_or(|id| p.id == id) && name.is_none_or(|n| p.name == n))
        .map(|p| p.to_resource())
        .collect();
    let (data, after) = page.slice(&found);
    Ok(jsonapi::page(data, after))
}
