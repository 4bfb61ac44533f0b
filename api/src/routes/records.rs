//! One record of a dataset version and its page images, for the web UI's per-record
//! drill-down (expected vs extracted values beside the scanned pages):
//!
//! - `GET /api/v1/datasets/{name}/versions/{version}/records/{id}`: the record as
//!   stored (input with image paths, expected output, metadata) and a `page_urls`
//!   list, one API URL per page;
//! - `GET …/records/{id}/pages/{n}` (n from 1): the page image's bytes (PNG or JPEG).
//!
//! Images are read from the data directory with the same refusals as every other
//! image read (`tally_core::dataset::read_local_image`: no `..`, no absolute path, no
//! symlink out, PNG/JPEG only). Both routes sit behind `X-API-Key` like all data: the
//! UI fetches pages with the key and shows them through `blob:` URLs.

use std::path::Path as FsPath;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tally_core::contract::DatasetName;
use tally_core::contract::views::RecordView;
use tally_core::dataset::{DatasetRecord, ImageRef, read_local_image};

use crate::error::ApiError;
use crate::extract::Params;
use crate::state::AppState;

/// `GET /api/v1/datasets/{name}/versions/{version}/records/{id}`.
pub async fn record(
    State(state): State<AppState>,
    Path((name, version, id)): Path<(String, String, String)>,
    params: Params,
) -> Result<Json<RecordView>, ApiError> {
    params.finish()?;
    let (name, version) = pin(&name, &version)?;
    let record = find_record(&state, &name, version, &id).await?;
    let base = format!(
        "{}/api/v1/datasets/{}/versions/{version}/records/{}/pages",
        state.urls.base(),
        name.as_str(),
        percent_encode(&record.id)
    );
    let page_urls = (1..=record.input.image_paths.len())
        .map(|n| format!("{base}/{n}"))
        .collect();
    Ok(Json(RecordView {
        dataset_name: name.as_str().to_string(),
        dataset_version: version,
        id: record.id,
        input: record.input,
        expected_output: record.expected_output,
        metadata: record.metadata,
        page_urls,
    }))
}

/// `GET …/records/{id}/pages/{n}`: page `n` (1-based) of the record.
pub async fn page(
    State(state): State<AppState>,
    Path((name, version, id, page)): Path<(String, String, String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    params.finish()?;
    let (name, version) = pin(&name, &version)?;
    let record = find_record(&state, &name, version, &id).await?;
    let pages = record.input.image_paths.len();
    let index = page
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=pages).contains(n))
        .ok_or_else(|| {
            let shown: String = page.chars().take(20).collect();
            ApiError::not_found(format!(
                "record {} has pages 1 to {pages}, not {shown:?}",
                record.id
            ))
        })?;
    let stored = record.input.image_paths[index - 1].clone();
    let relative = match ImageRef::parse(&stored) {
        Ok(ImageRef::Local(_)) => stored,
        Ok(ImageRef::Remote(uri)) => {
            return Err(ApiError::not_found(format!(
                "page {index} of record {} is the remote image {uri}, which the API does not fetch",
                record.id
            )));
        }
        Err(reason) => {
            return Err(ApiError::Internal(format!(
                "stored image path of record {} is invalid: {reason}",
                record.id
            )));
        }
    };
    image_response(&state, relative, index).await
}

/// Page `index`'s image at `relative` (to the data directory), read with every
/// image read's refusals, as PNG or JPEG.
pub(super) async fn image_response(
    state: &AppState,
    relative: String,
    index: usize,
) -> Result<Response, ApiError> {
    let root = state.data_dir.root().to_path_buf();
    let bytes =
        tokio::task::spawn_blocking(move || read_local_image(&root, FsPath::new(&relative)))
            .await
            .map_err(|e| ApiError::Internal(format!("reading a page image failed: {e}")))?
            .map_err(|reason| ApiError::not_found(format!("page {index}: {reason}")))?;
    let content_type = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    };
    let mut response = bytes.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

/// A dataset name and version from the path; text that names none is a 404.
fn pin(name: &str, version: &str) -> Result<(DatasetName, u64), ApiError> {
    let shown: String = name.chars().take(100).collect();
    let name = DatasetName::parse(name)
        .map_err(|_| ApiError::not_found(format!("no dataset named {shown:?}")))?;
    let version = version.parse::<u64>().map_err(|_| {
        let shown: String = version.chars().take(20).collect();
        ApiError::not_found(format!(
            "dataset versions are numbers (1, 2, …), not {shown:?}"
        ))
    })?;
    Ok((name, version))
}

/// The record `id` of a version. Versions are stored as one list, so this reads it
/// whole; a drill-down opens one record at a time, and samples are hundreds of lines.
async fn find_record(
    state: &AppState,
    name: &DatasetName,
    version: u64,
    id: &str,
) -> Result<DatasetRecord, ApiError> {
    let connected = state.backend.get().await?;
    let records = connected
        .store
        .dataset_records(name, version, None)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "dataset {} has no version {version}",
                name.as_str()
            ))
        })?;
    records.into_iter().find(|r| r.id == id).ok_or_else(|| {
        let shown: String = id.chars().take(100).collect();
        ApiError::not_found(format!(
            "dataset {} version {version} has no record {shown:?}",
            name.as_str()
        ))
    })
}

/// Record ids are free text in `records.jsonl`; keep them one path segment.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_stay_one_path_segment() {
        assert_eq!(percent_encode("unit-01"), "unit-01");
        assert_eq!(percent_encode("a/b c"), "a%2Fb%20c");
        assert_eq!(
            percent_encode("หน่วย"),
            "%E0%B8%AB%E0%B8%99%E0%B9%88%E0%B8%A7%E0%B8%A2"
        );
    }
}
