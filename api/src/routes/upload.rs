//! `POST /api/v1/datasets?name=NAME`: a dataset uploaded as a `.tar.gz`
//! (`Content-Type: application/gzip`) or `.zip` (`application/zip`) body (see
//! `crate::upload`): 201 for a new version, 200 when identical content is already a
//! version, 422 naming the archive entry (and line) of every problem.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use tally_core::dataset::DatasetName;

use super::datasets::imported;
use crate::error::{ApiError, Sent};
use crate::extract::Params;
use crate::labelsets::prefill::refuse_prefill_name;
use crate::state::AppState;
use crate::upload::{IncomingArchive, Upload};

pub async fn upload(
    State(state): State<AppState>,
    mut params: Params,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let name = params.text("name");
    params.finish()?;
    let name = name_parameter(name, "the name of the dataset the archive is a version of")?;
    refuse_prefill_name(&name, "name").map_err(|e| ApiError::Invalid(vec![e]))?;
    let archive = IncomingArchive::of_request(
        &state.data_dir,
        Sent::DatasetArchive,
        state.upload_limits,
        &headers,
    )?;
    // Refused before a byte is received when Redis cannot register the result.
    let connected = state.backend.get().await?;
    let outcome = Upload {
        store: &connected.store,
        archive,
        name: &name,
    }
    .run(body)
    .await?;
    Ok(imported(outcome, "uploaded"))
}

/// The `name` query parameter of an upload, under the dataset name rule; `what` says
/// what it names when it is missing.
pub(super) fn name_parameter(name: Option<String>, what: &str) -> Result<DatasetName, ApiError> {
    let name = name.ok_or_else(|| ApiError::invalid("name", format!("is required: {what}")))?;
    DatasetName::parse(&name).map_err(|e| ApiError::invalid("name", e.to_string()))
}
