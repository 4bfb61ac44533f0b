//! `GET /api/v1/presets`: the quick presets (`tally_core::presets`), so every client (the
//! run page, the CLI, scripts) offers the same named sets of model configurations.

use axum::Json;
use serde::Serialize;
use tally_core::presets::{Preset, presets};

use crate::error::ApiError;
use crate::extract::Params;

#[derive(Debug, Serialize)]
pub struct PresetList {
    pub presets: Vec<Preset>,
}

pub async fn list(params: Params) -> Result<Json<PresetList>, ApiError> {
    params.finish()?;
    Ok(Json(PresetList { presets: presets() }))
}
