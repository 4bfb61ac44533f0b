//! The Files API endpoints (`v1beta`, `x-goog-api-key`):
//!
//! - `POST /upload/v1beta/files` with `X-Goog-Upload-Protocol: resumable` and
//!   `X-Goog-Upload-Command: start` opens an upload and answers its absolute
//!   `X-Goog-Upload-URL` (same path, `upload_id` in the query; the id is the
//!   credential there, as at Google); chunks go to that URL with
//!   `X-Goog-Upload-Command: upload` (or `upload, finalize` for the last one) and
//!   `X-Goog-Upload-Offset`; finalizing answers `{"file": …}`; `query` answers
//!   the bytes received so far (`X-Goog-Upload-Size-Received`), or the file once
//!   finalized. Faults queued for the target `"upload"` hit chunks: `reset` keeps
//!   the chunk and drops the answer, any other refuses it before it is kept;
//! - `GET /v1beta/files/{id}`, `GET /v1beta/files`, `DELETE /v1beta/files/{id}`;
//! - `GET /download/v1beta/files/{id}:download?alt=media` (the `downloadUri`) and
//!   `GET /v1beta/files/{id}:download?alt=media` (google-genai's `files.download`),
//!   for generated files only.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::files::{CHUNK_GRANULARITY, Chunk, ChunkError, Queried, Source};
use super::routes::{Params, check_access, page_body, page_request};
use crate::faults::Action;
use crate::google_error::ApiError;
use crate::server::ResetConnection;
use crate::state::AppState;
use crate::validate::{Api, get, parse_json};

/// The Files API's limit on one file.
const FILE_LIMIT: usize = 2 * 1024 * 1024 * 1024;

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The URL this request reached the emulator at (for the absolute upload URL and
/// the files' `uri`).
pub fn own_base(headers: &HeaderMap) -> String {
    let host = header_str(headers, "host").unwrap_or("localhost");
    format!("http://{host}")
}

/// Google answers a missing file with a 403, not a 404.
fn not_found(id: &str) -> Response {
    let mut error = ApiError::permission_denied();
    error.message =
        format!("You do not have permission to access the File {id} or it may not exist.");
    error.into_response()
}

/// `POST /upload/{version}/files`: a start without `upload_id`, a chunk with it.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Path(version): Path<String>,
    Query(query): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match query.get("upload_id") {
        Some(upload_id) => chunk(&state, upload_id, &headers, &body),
        None => start(&state, &version, &query, &headers, &body),
    }
}

fn start(
    state: &AppState,
    version: &str,
    query: &Params,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    if let Err(error) = check_access(state, version, query, headers) {
        return error.into_response();
    }
    if header_str(headers, "x-goog-upload-protocol") != Some("resumable") {
        return ApiError::invalid_argument(
            "X-Goog-Upload-Protocol: only the resumable upload protocol is supported.",
        )
        .into_response();
    }
    if header_str(headers, "x-goog-upload-command") != Some("start") {
        return ApiError::invalid_argument(
            "X-Goog-Upload-Command: a new upload must start with \"start\".",
        )
        .into_response();
    }
    let metadata = if body.is_empty() {
        json!({})
    } else {
        match parse_json(body) {
            Ok(value) => value,
            Err(error) => return error.into_response(),
        }
    };
    let file = get(&metadata, "file");
    let text = |field: &str| {
        file.and_then(|f| get(f, field))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let declared = match header_str(headers, "x-goog-upload-header-content-length") {
        None => None,
        Some(value) => match value.parse::<usize>() {
            Ok(size) if size <= FILE_LIMIT => Some(size),
            Ok(_) => {
                return ApiError::invalid_argument(format!(
                    "X-Goog-Upload-Header-Content-Length: a file is at most {FILE_LIMIT} bytes."
                ))
                .into_response();
            }
            Err(_) => {
                return ApiError::invalid_argument(format!(
                    "X-Goog-Upload-Header-Content-Length: \"{value}\" is not a byte count."
                ))
                .into_response();
            }
        },
    };
    let Some(mime_type) = text("mime_type")
        .or_else(|| header_str(headers, "x-goog-upload-header-content-type").map(str::to_string))
    else {
        return ApiError::invalid_argument(
            "file.mime_type: a MIME type is required (or X-Goog-Upload-Header-Content-Type).",
        )
        .into_response();
    };
    let upload_id = state.batches.files.start(
        text("display_name").unwrap_or_default(),
        mime_type,
        declared,
        state.noise().next_u64(),
    );
    let url = format!(
        "{}/upload/{version}/files?upload_id={upload_id}&upload_protocol=resumable",
        own_base(headers)
    );
    let mut response = axum::Json(json!({})).into_response();
    let granularity = CHUNK_GRANULARITY.to_string();
    for (name, value) in [
        ("x-goog-upload-url", url.as_str()),
        ("x-goog-upload-status", "active"),
        ("x-goog-upload-chunk-granularity", granularity.as_str()),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// Sets the upload headers of an answer.
fn with_upload_headers(
    mut response: Response,
    status: &'static str,
    received: Option<usize>,
) -> Response {
    response
        .headers_mut()
        .insert("x-goog-upload-status", HeaderValue::from_static(status));
    if let Some(received) = received
        && let Ok(value) = HeaderValue::from_str(&received.to_string())
    {
        response
            .headers_mut()
            .insert("x-goog-upload-size-received", value);
    }
    response
}

fn no_session(upload_id: &str) -> Response {
    ApiError::not_found(format!(
        "Upload {upload_id} does not exist or has finished."
    ))
    .into_response()
}

fn chunk(state: &AppState, upload_id: &str, headers: &HeaderMap, body: &Bytes) -> Response {
    let command = header_str(headers, "x-goog-upload-command").unwrap_or_default();
    let words: Vec<&str> = command.split(',').map(str::trim).collect();
    if words == ["query"] {
        return query(state, upload_id, headers);
    }
    if !words.contains(&"upload") {
        return ApiError::invalid_argument(format!(
            "X-Goog-Upload-Command: \"{command}\" is not \"upload\", \"upload, finalize\" or \"query\"."
        ))
        .into_response();
    }
    let offset = match header_str(headers, "x-goog-upload-offset").map(str::parse::<usize>) {
        Some(Ok(offset)) => offset,
        _ => {
            return ApiError::invalid_argument(
                "X-Goog-Upload-Offset: the byte offset of this chunk is required.",
            )
            .into_response();
        }
    };
    let fault = state.script.take_for("upload");
    let reset = match fault.map(|f| f.action("upload", Api::Developer)) {
        Some(Action::Reset) => true,
        Some(Action::Fail(error)) => return error.into_response(),
        _ => false,
    };
    let finalize = words.contains(&"finalize");
    let salt = state.noise().next_u64();
    let mut response = match state
        .batches
        .files
        .chunk(upload_id, offset, body, finalize, salt)
    {
        Ok(Chunk::Active { received }) => with_upload_headers(
            axum::Json(json!({})).into_response(),
            "active",
            Some(received),
        ),
        Ok(Chunk::Final(file)) => with_upload_headers(
            axum::Json(json!({"file": file.resource(&own_base(headers))})).into_response(),
            "final",
            None,
        ),
        Err(ChunkError::NoSession) => return no_session(upload_id),
        Err(ChunkError::WrongOffset { expected }) => {
            return ApiError::invalid_argument(format!(
                "X-Goog-Upload-Offset: {offset} is not the {expected} bytes received so far."
            ))
            .into_response();
        }
        Err(ChunkError::Granularity { size }) => {
            return ApiError::invalid_argument(format!(
                "The chunk of {size} bytes is not a multiple of the upload chunk granularity ({CHUNK_GRANULARITY} bytes); only the chunk that finalizes may be smaller."
            ))
            .into_response();
        }
        Err(ChunkError::SizeMismatch { declared, received }) => {
            return ApiError::invalid_argument(format!(
                "X-Goog-Upload-Header-Content-Length: {declared} bytes announced, {received} received."
            ))
            .into_response();
        }
    };
    if reset {
        response.extensions_mut().insert(ResetConnection);
    }
    response
}

/// `X-Goog-Upload-Command: query`: where an interrupted upload stands.
fn query(state: &AppState, upload_id: &str, headers: &HeaderMap) -> Response {
    match state.batches.files.query(upload_id) {
        Some(Queried::Active { received }) => with_upload_headers(
            axum::Json(json!({})).into_response(),
            "active",
            Some(received),
        ),
        Some(Queried::Final(file)) => {
            let size = file.bytes.len();
            with_upload_headers(
                axum::Json(json!({"file": file.resource(&own_base(headers))})).into_response(),
                "final",
                Some(size),
            )
        }
        None => no_session(upload_id),
    }
}

/// `GET /{version}/files/{id}`, or the bytes at `GET /{version}/files/{id}:download`
/// (the path google-genai's `files.download` asks).
pub async fn get_file(
    State(state): State<Arc<AppState>>,
    Path((version, id)): Path<(String, String)>,
    Query(query): Query<Params>,
    headers: HeaderMap,
) -> Response {
    if let Err(error) = check_access(&state, &version, &query, &headers) {
        return error.into_response();
    }
    if let Some(id) = id.strip_suffix(":download") {
        return file_bytes(&state, id, &query);
    }
    match state.batches.files.get(&id) {
        Some(file) => axum::Json(file.resource(&own_base(&headers))).into_response(),
        None => not_found(&id),
    }
}

pub async fn delete_file(
    State(state): State<Arc<AppState>>,
    Path((version, id)): Path<(String, String)>,
    Query(query): Query<Params>,
    headers: HeaderMap,
) -> Response {
    if let Err(error) = check_access(&state, &version, &query, &headers) {
        return error.into_response();
    }
    if state.batches.files.delete(&id) {
        axum::Json(json!({})).into_response()
    } else {
        not_found(&id)
    }
}

/// Newest first, a page at a time like batches.
pub async fn list_files(
    State(state): State<Arc<AppState>>,
    Path(version): Path<String>,
    Query(query): Query<Params>,
    headers: HeaderMap,
) -> Response {
    if let Err(error) = check_access(&state, &version, &query, &headers) {
        return error.into_response();
    }
    let (start, size) = match page_request(&query) {
        Ok(page) => page,
        Err(error) => return error.into_response(),
    };
    let files = state.batches.files.newest_first();
    let base = own_base(&headers);
    let body = page_body(&files, (start, size), "files", |f| f.resource(&base));
    axum::Json(body).into_response()
}

/// `GET /download/{version}/files/{id}:download?alt=media` (the `downloadUri`).
pub async fn download(
    State(state): State<Arc<AppState>>,
    Path((version, action)): Path<(String, String)>,
    Query(query): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let Some(id) = action.strip_suffix(":download") else {
        return ApiError::method_not_found().into_response();
    };
    if let Err(error) = check_access(&state, &version, &query, &headers) {
        return error.into_response();
    }
    file_bytes(&state, id, &query)
}

/// The bytes of a file the service generated (uploaded files cannot be downloaded,
/// as at Google).
fn file_bytes(state: &AppState, id: &str, query: &Params) -> Response {
    if query.get("alt").map(String::as_str) != Some("media") {
        return ApiError::invalid_argument("alt: only alt=media downloads a file.").into_response();
    }
    match state.batches.files.get(id) {
        Some(file) if file.source == Source::Generated => {
            ([(header::CONTENT_TYPE, file.mime_type)], file.bytes).into_response()
        }
        Some(_) => ApiError::invalid_argument(format!(
            "Cannot download files/{id}: only files generated by the service can be downloaded."
        ))
        .into_response(),
        None => not_found(id),
    }
}
