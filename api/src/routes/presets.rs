//! `GET /api/v1/presets`: the quick presets (`tally_core::presets`), so every client (the
//! run page, the CLI, scripts) offers the same named sets of model configurations.

use axum::Json;
use tally_core::contract::views::PresetList;
use tally_core::presets::presets;

use crate::error::ApiError;
use crate::extract::Params;

pub async fn list(params: Params) -> Result<Json<PresetList>, ApiError> {
    params.finish()?;
    Ok(Json(PresetList { presets: presets() }))
}
