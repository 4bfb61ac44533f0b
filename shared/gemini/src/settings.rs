//! `GenerationSettings`: what one model configuration asks of Gemini.
//!
//! The client's own input type, independent of the experiment request contract: the
//! pipeline maps a validated model configuration into it. Every field reaches the
//! request body (see `request.rs`), except `thinking_budget` for models that cannot
//! think, where sending it would be a 400.

use super::cache::CacheUse;

/// Sampling and output settings of one extraction call.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationSettings {
    /// Model id as Gemini names it, e.g. `gemini-2.5-flash`.
    pub model: String,
    pub temperature: f64,
    pub top_p: Option<f64>,
    pub top_k: Option<u32>,
    pub seed: Option<i32>,
    /// Includes thinking tokens: a small value can leave no room for the answer.
    pub max_output_tokens: u32,
    /// −1 = dynamic, 0 = off, otherwise the token budget; `None` = the model's default.
    pub thinking_budget: Option<i32>,
    /// Whether the answer may come from, and goes into, the response cache (not
    /// part of the request body).
    pub cache: CacheUse,
}

impl GenerationSettings {
    /// Settings for `model` with the defaults the experiment API documents.
    pub fn new(model: impl Into<String>, temperature: f64) -> Self {
        GenerationSettings {
            model: model.into(),
            temperature,
            top_p: None,
            top_k: None,
            seed: None,
            max_output_tokens: 16_384,
            thinking_budget: None,
            cache: CacheUse::default(),
        }
    }
}

/// The most output tokens `model` accepts, when it is below the contract's default
/// (16,384): the 2.0 and 1.5 families stop at 8,192 and answer 400 to more. The
/// request is capped there, so a configuration left at its default works with them.
pub fn output_token_limit(model: &str) -> Option<u32> {
    let name = model.strip_prefix("models/").unwrap_or(model);
    ["gemini-2.0-", "gemini-1.5-"]
        .iter()
        .any(|family| name.starts_with(family))
        .then_some(8_192)
}

/// Whether `model` has a thinking phase (`thinkingConfig` is accepted).
///
/// The 2.5 family and later think; 2.0 and 1.5 do not, and reject the field.
pub fn model_thinks(model: &str) -> bool {
    let name = model.strip_prefix("models/").unwrap_or(model);
    let Some(version) = name.strip_prefix("gemini-") else {
        return false;
    };
    let major_minor: Vec<u32> = version
        .split(['-', '.'])
        .take(2)
        .map_while(|part| part.parse().ok())
        .collect();
    match major_minor.as_slice() {
        [major, minor] => (*major, *minor) >= (2, 5),
        [major] => *major >= 3,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_2_5_family_and_later_think() {
        for model in [
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
            "gemini-2.5-pro",
            "gemini-3-pro-preview",
            "models/gemini-2.5-flash",
        ] {
            assert!(model_thinks(model), "{model}");
        }
        for model in [
            "gemini-2.0-flash",
            "gemini-2.0-flash-lite",
            "gemini-1.5-pro",
            "gemma-3",
            "gemini-exp",
        ] {
            assert!(!model_thinks(model), "{model}");
        }
    }
}
